"""Enterprises: registered, searched and edited by regulators within their jurisdiction; each
enterprise sees itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises import posters
from hazards.enterprises.models import Enterprise
from hazards.enterprises.schemas import EnterpriseCreate, EnterpriseListing, EnterpriseUpdate
from hazards.regions import service as regions
from hazards.regions.models import Region
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import OutsideJurisdiction, can_see, visible_rows
from qingling.errors import Conflict, NotFound
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level, level

# Who registers and edits enterprises: staff of a regulator, within their jurisdiction.
EDITORS = (Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE, Role.ADMIN, Role.SERVICE)


class EnterpriseNotFound(NotFound):
    code, title = "enterprise-not-found", "企业不存在或不在您的管辖范围内"


class PosterTokenUnknown(NotFound):
    code, title = "poster-token-unknown", "二维码无效，或该单位已不在企业名录中：请直接填写被举报单位的名称"


class EnterpriseExists(Conflict):
    code, title = "enterprise-exists", "该统一社会信用代码的企业已登记"


def ensure_editor_of(caller: Principal, region_code: str) -> None:
    if not (caller.has(*EDITORS) and can_see(caller, region_code=region_code, enterprise_code=None)):
        raise OutsideJurisdiction(f"{region_code} 不在您的管辖范围内")


def record(data: EnterpriseCreate, caller: Principal, now: datetime) -> dict:
    """The row for a new enterprise: one shape for the API and for spreadsheet imports."""
    return data.model_dump(mode="json") | {
        "people": data.people,  # the typed column writes it
        "created_at": now,
        "updated_at": now,
        "created_by": caller.subject,
    }


async def create(session: AsyncSession, caller: Principal, data: EnterpriseCreate, now: datetime) -> Enterprise:
    ensure_editor_of(caller, data.region_code)
    await regions.ensure_exists(session, data.region_code)
    enterprise = Enterprise(**record(data, caller, now))
    try:
        async with session.begin_nested():
            session.add(enterprise)
    except IntegrityError:
        raise EnterpriseExists(f"统一社会信用代码 {data.credit_code} 已登记") from None
    return enterprise


async def create_many(session: AsyncSession, rows: list[dict]) -> None:
    """Bulk insert of rows already validated as a whole (see ``imports``)."""
    for start in range(0, len(rows), 1000):
        await session.execute(insert(Enterprise), rows[start : start + 1000])


async def get(session: AsyncSession, caller: Principal, enterprise_id: int) -> Enterprise:
    enterprise = await session.get(Enterprise, enterprise_id)
    if enterprise is None or not can_see(
        caller, region_code=enterprise.region_code, enterprise_code=enterprise.credit_code
    ):
        raise EnterpriseNotFound()
    return enterprise


async def page(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    *,
    name: str | None = None,
    credit_code: str | None = None,
    region_prefix: str | None = None,
    industry: str | None = None,
    risk_class: str | None = None,
) -> list[Enterprise]:
    query = select(Enterprise).where(visible_rows(caller, Enterprise.region_code, Enterprise.credit_code))
    if name:
        query = query.where(Enterprise.name.contains(name, autoescape=True))
    if credit_code:
        query = query.where(Enterprise.credit_code == credit_code.upper())
    if region_prefix:
        query = query.where(Enterprise.region_code.startswith(region_prefix))
    if industry:
        query = query.where(Enterprise.industry == industry)
    if risk_class:
        query = query.where(Enterprise.risk_class == risk_class)
    return await fetch_page(session, query, Enterprise.id, params)


# The public look-up answers a few matches to pick from, never a way to list the register.
PUBLIC_MATCHES = 10


async def lookup(session: AsyncSession, text: str) -> list[EnterpriseListing]:
    """Enterprises whose name or credit code contains ``text``: name, credit code and town only."""
    matching = or_(
        Enterprise.name.contains(text, autoescape=True),
        Enterprise.credit_code.contains(text.upper(), autoescape=True),
    )
    return await _listings(session, matching, limit=PUBLIC_MATCHES)


async def by_poster_token(session: AsyncSession, key: bytes, signed: str) -> EnterpriseListing:
    """The enterprise a report poster's QR code names; a token not signed by us, or for an
    enterprise no longer registered, is unknown."""
    credit_code = posters.credit_code_of(key, signed)
    found = await _listings(session, Enterprise.credit_code == credit_code, limit=1) if credit_code else []
    if not found:
        raise PosterTokenUnknown()
    return found[0]


async def _listings(session: AsyncSession, condition, *, limit: int) -> list[EnterpriseListing]:
    query = (
        select(Enterprise.name, Enterprise.credit_code, Enterprise.region_code, Region.name.label("place"))
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(condition)
        .order_by(Enterprise.name, Enterprise.id)
        .limit(limit)
    )
    return [
        EnterpriseListing(
            name=row.name,
            credit_code=row.credit_code,
            region_code=row.region_code,
            town=row.place if level(row.region_code) is Level.TOWN else None,
        )
        for row in await session.execute(query)
    ]


async def update(
    session: AsyncSession, caller: Principal, enterprise_id: int, changes: EnterpriseUpdate, now: datetime
) -> Enterprise:
    enterprise = await get(session, caller, enterprise_id)
    ensure_editor_of(caller, enterprise.region_code)
    values = changes.model_dump(mode="json", exclude_unset=True)
    if changes.people is not None:
        values["people"] = changes.people  # replaced whole: the typed column sees the assignment
    if "region_code" in values:
        ensure_editor_of(caller, values["region_code"])
        await regions.ensure_exists(session, values["region_code"])
    for field, value in values.items():
        setattr(enterprise, field, value)
    enterprise.updated_at = now
    return enterprise
