"""The published set: hazards put under 挂牌督办 (``listed_on`` set) in a region, as a government
publishes them — read whole from the hazard and its enterprise, never from the tip-off side."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.disclosure import schemas
from hazards.enterprises.models import Enterprise
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard
from hazards.regions.models import Region
from qingling.clock import SHANGHAI
from qingling.errors import NotFound, ValidationFailed
from qingling.pagination import PageParams, Rows
from qingling.regions import NATION, jurisdiction_prefix

SERVICE_CODE = "major-hazard-listed"
SERVICE_NAME = "重大事故隐患挂牌督办"
OPEN311_LIMIT = 1000  # the spec's default cap on one answer of requests.json


class PublishedHazardNotFound(NotFound):
    code, title = "published-hazard-not-found", "没有这条公开的挂牌督办隐患"


async def check_region(session: AsyncSession, code: str, field: str) -> None:
    if code == NATION or await session.get(Region, code) is None:
        raise ValidationFailed.for_field(
            field, f"行政区划代码 {code} 不存在，请填写 6 位县级或 9 位乡镇代码等", "query"
        )


def _published(region_code: str | None = None) -> Any:
    query = select(Hazard, Enterprise).join(Enterprise, Enterprise.id == Hazard.enterprise_id)
    query = query.where(Hazard.listed_on.is_not(None))
    if region_code is not None:
        query = query.where(Hazard.region_code.startswith(jurisdiction_prefix(region_code)))
    return query


async def listed(session: AsyncSession, region_code: str, page: PageParams) -> Rows:
    await check_region(session, region_code, "region_code")
    query = _published(region_code)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if page.after is not None:
        query = query.where(Hazard.id > page.after)
    rows = list((await session.execute(query.order_by(Hazard.id).limit(page.limit))).all())
    return Rows(rows, total or 0)


def public_row(hazard: Hazard, enterprise: Enterprise, contacts: bool) -> schemas.PublicListedHazard:
    principal = enterprise.people.principal if contacts else None
    return schemas.PublicListedHazard(
        id=hazard.id,
        enterprise_name=enterprise.name,
        region_code=hazard.region_code,
        title=hazard.title,
        notice_no=hazard.notice_no or "",
        lister_name=hazard.lister_name or "",
        listed_on=hazard.listed_on,
        deadline=_day(hazard.deadline_at),
        state=hazard.state,
        state_name=HAZARD_LIFECYCLE.states[hazard.state],
        closed_on=_day(hazard.closed_at),
        enterprise_contact=schemas.PublicContact(name=principal.name, phone=principal.phone) if principal else None,
    )


async def requests(
    session: AsyncSession,
    jurisdiction_id: str,
    service_code: str | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
) -> list[schemas.Open311Request]:
    await check_region(session, jurisdiction_id, "jurisdiction_id")
    if service_code is not None and SERVICE_CODE not in service_code.split(","):
        return []
    query = _published(jurisdiction_id)
    if status == "open":
        query = query.where(Hazard.state != "closed")
    elif status == "closed":
        query = query.where(Hazard.state == "closed")
    # requested_datetime is the listing day's Beijing midnight: filter on the days it covers
    if start is not None:
        query = query.where(Hazard.listed_on >= _first_day_from(start))
    if end is not None:
        query = query.where(Hazard.listed_on <= end.astimezone(SHANGHAI).date())
    query = query.order_by(Hazard.listed_on.desc(), Hazard.id.desc()).limit(OPEN311_LIMIT)
    return [open311_request(hazard, enterprise) for hazard, enterprise in (await session.execute(query)).all()]


async def request(session: AsyncSession, hazard_id: int) -> schemas.Open311Request:
    row = (await session.execute(_published().where(Hazard.id == hazard_id))).first()
    if row is None:
        raise PublishedHazardNotFound(f"编号 {hazard_id} 没有公开的挂牌督办记录")
    return open311_request(*row)


def open311_request(hazard: Hazard, enterprise: Enterprise) -> schemas.Open311Request:
    state = HAZARD_LIFECYCLE.states[hazard.state]
    closed = hazard.state == "closed"
    notes = f"{state}；督办文号 {hazard.notice_no}"
    if closed:
        notes += f"；{_day(hazard.closed_at)} 销号"
    return schemas.Open311Request(
        service_request_id=str(hazard.id),
        status="closed" if closed else "open",
        status_notes=notes,
        service_name=SERVICE_NAME,
        service_code=SERVICE_CODE,
        description=f"{enterprise.name}：{hazard.title}（重大事故隐患，挂牌督办文号 {hazard.notice_no}）",
        agency_responsible=hazard.lister_name or "",
        service_notice=f"挂牌督办机关：{hazard.lister_name}",
        requested_datetime=datetime.combine(hazard.listed_on, time(), tzinfo=SHANGHAI),
        updated_datetime=hazard.closed_at if closed and hazard.closed_at else hazard.updated_at,
        expected_datetime=hazard.deadline_at,
        address=enterprise.address,
        lat=enterprise.latitude,
        long=enterprise.longitude,
    )


def _first_day_from(moment: datetime) -> date:
    """The first listing day whose Beijing midnight is at or after ``moment``."""
    local = moment.astimezone(SHANGHAI)
    return local.date() if local.time() == time() else date.fromordinal(local.date().toordinal() + 1)


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(SHANGHAI).date() if moment is not None else None
