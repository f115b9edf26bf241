"""One-time WeChat subscription authorisations (一次性订阅消息), counted per mini-program user and
template: the mini-program records each "allow" its user taps (``record``); a subscription message
is tried only while one is left, each one WeChat accepts uses one up (``count_send``, in the
delivery's recording transaction), and WeChat's 43101 — none left, as WeChat counts — sets the
count to none. Several kinds may share a template, and so its authorisations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from notify.channels import Channels, SendFailed, Sent, WechatSubscription
from notify.channels.wechat import USER_REFUSED
from notify.subscriptions.models import WechatAuthorisation
from notify.subscriptions.schemas import AuthorisationRead, Authorisations, AuthorisationWrite
from qingling.auth.principal import Principal
from qingling.db import insert_or_lock
from qingling.errors import FieldError, Forbidden, NotFound, ServiceUnavailable


class SubscriptionsMiniprogramOnly(Forbidden):
    code, title = "subscriptions-miniprogram-only", "只有小程序用户本人可以登记订阅消息授权"


class SubscriptionsOff(ServiceUnavailable):
    code, title = "subscriptions-off", "本系统未开通微信订阅消息"


class SubscriptionTemplateNotFound(NotFound):
    code, title = "subscription-template-not-found", "没有这个订阅消息模板或消息类别"


def _subject(caller: Principal) -> str:
    if not caller.subject.startswith("wechat:"):
        raise SubscriptionsMiniprogramOnly("订阅消息授权属于小程序用户本人：请在小程序中登录后登记")
    return caller.subject


def _wechat(channels: Channels) -> WechatSubscription:
    if channels.wechat is None:
        raise SubscriptionsOff("未配置微信订阅消息（QL_NOTIFY_WECHAT_TEMPLATES 等），消息将以短信或站内信送达")
    return channels.wechat


def _template(wechat: WechatSubscription, body: AuthorisationWrite) -> str:
    if body.template_kind is not None:
        if (template := wechat.template_id(body.template_kind)) is None:
            raise SubscriptionTemplateNotFound(
                f"消息类别 {body.template_kind} 没有配置订阅消息模板",
                errors=[FieldError(location="body", field="/template_kind", message="该类别不发订阅消息")],
            )
        return template
    if not wechat.kinds_of(body.template_id or ""):
        raise SubscriptionTemplateNotFound(
            "该模板编号不是本系统所用的订阅消息模板",
            errors=[FieldError(location="body", field="/template_id", message="未知的模板编号")],
        )
    return body.template_id or ""


def _read(wechat: WechatSubscription, row: WechatAuthorisation) -> AuthorisationRead:
    return AuthorisationRead(
        template_id=row.template_id, kinds=wechat.kinds_of(row.template_id), remaining=row.remaining,
        granted=row.granted, used=row.used, updated_at=row.updated_at,
    )  # fmt: skip


async def record(
    session: AsyncSession, channels: Channels, caller: Principal, body: AuthorisationWrite, now: datetime
) -> AuthorisationRead:
    """Adds the authorisations the caller just granted in the mini-program to their count."""
    subject, wechat = _subject(caller), _wechat(channels)
    template = _template(wechat, body)
    values = dict(subject=subject, template_id=template, remaining=0, granted=0, used=0, updated_at=now)
    found = await insert_or_lock(session, WechatAuthorisation, values, ["subject", "template_id"])
    await session.execute(
        update(WechatAuthorisation)
        .where(WechatAuthorisation.id == found.id)
        .values(remaining=found.remaining + body.accepted, granted=found.granted + body.accepted, updated_at=now)
    )
    row = await session.get(WechatAuthorisation, found.id, populate_existing=True)
    assert row is not None
    return _read(wechat, row)


async def mine(session: AsyncSession, channels: Channels, caller: Principal) -> Authorisations:
    subject, wechat = _subject(caller), _wechat(channels)
    query = select(WechatAuthorisation).where(WechatAuthorisation.subject == subject).order_by(WechatAuthorisation.id)
    rows = (await session.execute(query)).scalars().all()
    templates = {kind: template for kind in sorted(wechat.kinds()) if (template := wechat.template_id(kind))}
    return Authorisations(items=[_read(wechat, row) for row in rows], templates=templates)


async def remaining(session: AsyncSession, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(subject, template id) → authorisations left, for those with a row."""
    pairs = list(pairs)
    if not pairs:
        return {}
    query = select(WechatAuthorisation.subject, WechatAuthorisation.template_id, WechatAuthorisation.remaining).where(
        tuple_(WechatAuthorisation.subject, WechatAuthorisation.template_id).in_(pairs)
    )
    return {(subject, template): left for subject, template, left in (await session.execute(query)).all()}


async def count_send(
    session: AsyncSession, subject: str, template_id: str, result: Sent | SendFailed | None, now: datetime
) -> None:
    """A subscription message's attempt on the count: one used up when WeChat took it; none left
    when WeChat says so (43101)."""
    key = (WechatAuthorisation.subject == subject, WechatAuthorisation.template_id == template_id)
    if isinstance(result, Sent):
        await session.execute(
            update(WechatAuthorisation)
            .where(*key, WechatAuthorisation.remaining > 0)
            .values(remaining=WechatAuthorisation.remaining - 1, used=WechatAuthorisation.used + 1, updated_at=now)
        )
    elif isinstance(result, SendFailed) and result.code == str(USER_REFUSED):
        await session.execute(update(WechatAuthorisation).where(*key).values(remaining=0, updated_at=now))
