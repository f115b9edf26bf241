from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.wechat.client import WechatSession, WechatUnavailable
from identity.wechat.models import WechatUser
from qingling.auth.principal import Principal
from qingling.auth.roles import Role


class WechatNotConfigured(WechatUnavailable):
    code, title = "wechat-not-configured", "本系统尚未配置微信小程序登录"


async def sign_in(session: AsyncSession, answer: WechatSession, now: datetime) -> Principal:
    """The principal of the mini-program user WeChat vouched for, registered on first sight."""
    user = (await session.execute(select(WechatUser).where(WechatUser.openid == answer.openid))).scalar_one_or_none()
    if user is None:
        user = WechatUser(openid=answer.openid, unionid=answer.unionid, created_at=now, last_login_at=now)
        session.add(user)
        await session.flush()
    user.last_login_at = now
    # The openid stays here: other services only ever see the opaque subject.
    return Principal(subject=f"wechat:{user.id}", name="小程序用户", roles=frozenset({Role.MINIPROGRAM_USER}))
