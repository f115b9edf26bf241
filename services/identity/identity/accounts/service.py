"""Accounts: administration within the caller's jurisdiction, and password sign-in under limits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity import limits
from identity.accounts.models import Account
from identity.accounts.passwords import check_policy
from identity.accounts.schemas import AccountCreate, AccountRead, AccountUpdate
from identity.adapters import Adapters
from identity.audit import service as trail
from identity.config import Settings
from identity.permissions import check_change, check_grant, enterprise_region, may_manage, scope_filter
from identity.revocations import service as revocations
from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES
from qingling.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from qingling.limits import wait_text
from qingling.pagination import PageParams, fetch_page


class AccountNotFound(NotFound):
    code, title = "account-not-found", "账号不存在或不在您的管辖范围内"


class UsernameTaken(Conflict):
    code, title = "username-taken", "该登录名已被使用，请换一个"


class InvalidCredentials(Unauthorized):
    code, title = "invalid-credentials", "用户名或密码错误"


class AccountLocked(TooManyRequests):
    code, title = "account-locked", "密码错误次数过多，暂时不能从您这里登录该账号"


class AccountDisabled(Forbidden):
    code, title = "account-disabled", "账号已停用，请联系管理员"


class PasswordChangeRequired(Forbidden):
    code, title = "password-change-required", "首次登录或密码被重置后须先修改密码"


async def create(
    session: AsyncSession, caller: Principal, data: AccountCreate, adapters: Adapters, now: datetime
) -> Account:
    """An account; an enterprise account only for a registered enterprise in the caller's
    jurisdiction, placed where the enterprise is registered."""
    roles = set(data.roles)
    region_code = data.region_code
    if roles & ENTERPRISE_ROLES and data.enterprise_code:
        region_code = await enterprise_region(caller, adapters.register, data.enterprise_code, data.region_code)
    check_grant(
        caller, roles, region_code=region_code, department=data.department, enterprise_code=data.enterprise_code
    )
    check_policy(data.password, data.username)
    account = Account(
        **data.model_dump(exclude={"password", "reason", "region_code"}),
        region_code=region_code,
        password_hash=await adapters.passwords.hash(data.password),
        must_change_password=True,
        created_at=now,
        updated_at=now,
        created_by=caller.subject,
    )
    try:
        async with session.begin_nested():
            session.add(account)
    except IntegrityError:
        raise UsernameTaken(f"登录名 {data.username} 已被使用") from None
    created = {field: getattr(account, field) for field in RECORDED}
    created["contacts"] = sorted(contact for contact in CONTACTS if getattr(account, contact))  # which, not what
    await trail.record_about(session, caller, now, account, "account.created", created, data.reason)
    return account


async def page(session: AsyncSession, caller: Principal, params: PageParams) -> list[Account]:
    query = select(Account).where(scope_filter(caller, Account.region_code, Account.enterprise_code))
    return await fetch_page(session, query, Account.id, params)


async def get(session: AsyncSession, caller: Principal, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None or not may_manage(caller, account.region_code, account.enterprise_code):
        raise AccountNotFound()
    return account


async def update(
    session: AsyncSession, caller: Principal, account_id: int, changes: AccountUpdate, settings: Settings, now: datetime
) -> Account:
    account = await get(session, caller, account_id)
    check_change(caller, account.roles, account.region_code)
    values = changes.model_dump(exclude_unset=True, exclude={"reason"})
    if "roles" in values or "department" in values:
        check_grant(
            caller,
            set(values.get("roles", account.roles)),
            region_code=account.region_code,
            department=values.get("department", account.department),
            enterprise_code=account.enterprise_code,
        )
    if "roles" in values:
        values["roles"] = sorted(set(values["roles"]))
    diff = {
        field: {"before": getattr(account, field), "after": value}
        for field, value in values.items()
        if getattr(account, field) != value and not (field == "roles" and set(account.roles) == set(value))
    }
    for field in diff:
        setattr(account, field, values[field])
    for contact in CONTACTS & diff.keys():  # personal data stays out of the permanent trail: only that it changed
        diff[contact] = {"changed": True, "set": values[contact] is not None}
    account.updated_at = now
    ends_sign_ins = {"roles", "department"} & diff.keys() or diff.get("disabled", {}).get("after") is True
    change: dict = {"fields": diff}
    if ends_sign_ins:
        change["revoked"] = await revocations.revoke_account(session, account.id, now, _window(settings))
    if diff:
        await trail.record_about(session, caller, now, account, "account.updated", change, changes.reason)
    return account


async def reset_password(
    session: AsyncSession,
    caller: Principal,
    account_id: int,
    adapters: Adapters,
    settings: Settings,
    now: datetime,
    reason: str | None = None,
) -> str:
    """A one-time password; every sign-in of the account ends at once, every wait on it is lifted."""
    account = await get(session, caller, account_id)
    check_change(caller, account.roles, account.region_code)
    temporary = f"Ql-{secrets.token_urlsafe(9)}"
    account.password_hash = await adapters.passwords.hash(temporary)
    account.must_change_password = True
    account.updated_at = now
    await adapters.limiter.clear_group(session, limits.account_group(account.username), now)
    revoked = await revocations.revoke_account(session, account.id, now, _window(settings))
    await trail.record_about(session, caller, now, account, "account.password_reset", {"revoked": revoked}, reason)
    return temporary


async def unlock(
    session: AsyncSession,
    caller: Principal,
    account_id: int,
    adapters: Adapters,
    settings: Settings,
    now: datetime,
    reason: str | None = None,
) -> Account:
    """Lifts every wait on the account's sign-in, from whatever address; the trail keeps how many
    wrong passwords there had been in the window and until when the latest wait would have run."""
    account = await get(session, caller, account_id)
    check_change(caller, account.roles, account.region_code)
    tally = await adapters.limiter.tally(session, limits.login_guessing(settings).target, account.username, now)
    locked_until = await adapters.limiter.clear_group(session, limits.account_group(account.username), now)
    change = {"locked_until": locked_until.isoformat() if locked_until else None, "failed_logins": tally.count}
    account.updated_at = now
    await trail.record_about(session, caller, now, account, "account.unlocked", change, reason)
    return account


async def reads(session: AsyncSession, adapters: Adapters, accounts: list[Account], now: datetime) -> list[AccountRead]:
    """Accounts as an administrator reads them, with the latest wait any address has on each."""
    waits = await adapters.limiter.blocked_until(session, [limits.account_group(a.username) for a in accounts], now)
    return [
        AccountRead.model_validate(account).model_copy(
            update={"locked_until": waits.get(limits.account_group(account.username))}
        )
        for account in accounts
    ]


# What the trail keeps of a new account (never its password, nor its phone number or e-mail).
RECORDED = ("username", "display_name", "roles", "region_code", "department", "enterprise_code")
CONTACTS = frozenset({"phone", "email"})  # on the trail as given or changed, never the number or address


def _window(settings: Settings) -> timedelta:
    return revocations.window(settings.access_token_minutes)


@dataclass
class SignIn:
    """The outcome of a password check. Failures are returned, not raised, so the caller's unit
    of work commits the failure count before the error is answered. ``account`` is set whenever
    the password was right."""

    account: Account | None = None
    error: Unauthorized | TooManyRequests | Forbidden | None = None


async def sign_in(
    session: AsyncSession, username: str, password: str, address: str, adapters: Adapters, settings: Settings, now
) -> SignIn:
    """The password checked under ``identity.limits.login_guessing``: a caller that must wait is
    answered 429 before anything is compared; otherwise the password is hashed whether or not the
    user name exists (against a dummy hash if not), and a failure is counted by the name as typed —
    an unknown name gets the same answers, after the same work, as a known one."""
    guessing, limiter = limits.login_guessing(settings), adapters.limiter
    if wait := await guessing.wait(limiter, session, username, address, now):
        return SignIn(error=_locked(wait))
    account = (await session.execute(select(Account).where(Account.username == username))).scalar_one_or_none()
    if not await adapters.passwords.verify(password, account.password_hash if account else None):
        group = limits.account_group(username)
        wait = await guessing.failed(limiter, session, username, address, now, group=group)
        return SignIn(error=_locked(wait) if wait else InvalidCredentials())
    if account.disabled:
        return SignIn(error=AccountDisabled())
    await guessing.succeeded(limiter, session, username, address)
    if account.must_change_password:
        return SignIn(account, PasswordChangeRequired("请先通过修改密码接口（/api/v1/identity/password）设置新密码"))
    return SignIn(account)


def _locked(seconds: int) -> AccountLocked:
    return AccountLocked(
        f"请 {wait_text(seconds)}后再试；如确是本人且急需登录，请联系管理员解锁", headers={"Retry-After": str(seconds)}
    )


async def change_password(
    session: AsyncSession,
    username: str,
    current: str,
    new: str,
    address: str,
    adapters: Adapters,
    settings: Settings,
    now: datetime,
) -> SignIn:
    """Changes a password given the current one — also for accounts that must change theirs and
    so cannot obtain a token yet. Wrong current passwords count as wrong sign-ins."""
    result = await sign_in(session, username, current, address, adapters, settings, now)
    if result.account is None or not (result.error is None or isinstance(result.error, PasswordChangeRequired)):
        return result
    check_policy(new, username, field="new_password")
    result.account.password_hash = await adapters.passwords.hash(new)
    result.account.must_change_password = False
    result.account.updated_at = now
    return SignIn(result.account)
