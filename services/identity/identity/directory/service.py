"""Who is at a place, and how to reach them: the active accounts there, and a mini-program
user's openid — for the notify service alone (``ServiceScope.DIRECTORY``).

A place's accounts are those whose tokens read its inbox (``notify.inbox.service.recipients_of``):
a department's regulators and leaders of that region and kind, a committee's 安委办 staff, an
enterprise's users and admins, a region's system admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Account
from identity.wechat.models import WechatUser
from qingling.auth.roles import ENTERPRISE_ROLES, ROLES, Role
from qingling.directory import ContactRole, Entry, Listing, Place, PlaceKind

# Who of the accounts placed there reads a place's inbox.
READERS: dict[PlaceKind, frozenset[Role]] = {
    PlaceKind.ENTERPRISE: frozenset(ENTERPRISE_ROLES),
    PlaceKind.DEPARTMENT: frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER}),
    PlaceKind.COMMITTEE: frozenset({Role.SAFETY_COMMITTEE}),
    PlaceKind.ADMINS: frozenset({Role.ADMIN}),
}


async def listing(session: AsyncSession, place: Place) -> Listing:
    if place.kind is PlaceKind.WECHAT:
        people = await _wechat_user(session, place.id)
    else:
        people = [_entry(account) for account in await _accounts(session, place)]
    return Listing(place=str(place), people=people)


async def _accounts(session: AsyncSession, place: Place) -> list[Account]:
    query = select(Account).where(Account.disabled.is_(False)).order_by(Account.id)
    match place.kind:
        case PlaceKind.ACCOUNT:
            return list((await session.scalars(query.where(Account.id == place.id))).all())
        case PlaceKind.ENTERPRISE:
            query = query.where(Account.enterprise_code == place.enterprise_code)
        case PlaceKind.DEPARTMENT:
            query = query.where(Account.region_code == place.region_code, Account.department == place.department)
        case _:
            query = query.where(Account.region_code == place.region_code)
    readers = READERS[place.kind]
    return [account for account in (await session.scalars(query)).all() if readers & set(account.roles)]


def _entry(account: Account) -> Entry:
    titles = [ROLES[Role(role)].title for role in sorted(account.roles) if role in ROLES]
    return Entry(
        role=ContactRole.ACCOUNT,
        title="、".join(titles),
        name=account.display_name,
        subject=f"account:{account.id}",
        phone=account.phone,
        email=account.email,
    )


async def _wechat_user(session: AsyncSession, user_id: int | None) -> list[Entry]:
    user = await session.get(WechatUser, user_id)
    if user is None:
        return []
    subject = f"wechat:{user.id}"
    return [Entry(role=ContactRole.WECHAT_USER, title="小程序用户", name="", subject=subject, openid=user.openid)]
