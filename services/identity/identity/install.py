"""The first admin of a new install (``qingling init``): the one account nobody above could grant."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Account
from identity.accounts.passwords import check_policy
from identity.accounts.service import RECORDED
from identity.adapters import IdentityAdapters
from identity.audit import service as trail
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.runtime import Runtime

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


class FirstAdminRefused(Exception):
    """The install already has accounts, or the name is unusable (said in Chinese)."""


async def create_first_admin(session: AsyncSession, runtime: Runtime, username: str, region_code: str, place: str):
    """Creates the admin of ``region_code`` and answers its one-time password: it signs in once,
    to set its own (``must_change_password``)."""
    if not USERNAME.match(username):
        raise FirstAdminRefused(f"--admin {username!r}：登录名须为 2–64 位字母、数字、点、下划线或连字符")
    if await session.scalar(select(func.count()).select_from(Account)):
        raise FirstAdminRefused("该安装已有账号，首个管理员只能在初始化时创建")
    adapters: IdentityAdapters = runtime.adapters
    password = f"Ql-{secrets.token_urlsafe(12)}"
    check_policy(password, username)
    now = runtime.clock.now()
    account = Account(
        username=username,
        display_name=f"{place}系统管理员",
        password_hash=await adapters.passwords.hash(password),
        roles=[Role.ADMIN],
        region_code=region_code,
        must_change_password=True,
        created_at=now,
        updated_at=now,
        created_by="install",
    )
    session.add(account)
    await session.flush()  # its id, for the trail
    installer = Principal(subject="install", name="qingling init")
    change = {field: getattr(account, field) for field in RECORDED}
    await trail.record_about(
        session, installer, now, account, "account.created", change, "初始化安装时创建的首个系统管理员"
    )
    return password
