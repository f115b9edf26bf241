"""The 重大事故隐患清单 and the 挂牌督办清单 of a jurisdiction, as they stand now: each a query
over the hazards the caller can see, shaped into rows that the JSON answer and the exported
files share (``qingling.exports``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises.models import Enterprise
from hazards.hazard.actions import body_name
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard, HazardAudit
from hazards.hazard.schemas import SOURCE_TITLES
from hazards.industries.catalogue import INDUSTRY_BY_CODE
from hazards.ledgers import schemas
from hazards.regions.models import Region
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction, visible_rows
from qingling.clock import SHANGHAI
from qingling.errors import ValidationFailed
from qingling.exports import Table, columns_of
from qingling.regions import NATION, Level, jurisdiction_prefix, level
from qingling.standards import STANDARD_BY_ID

# What the sheets leave out: the codes beside their Chinese names (JSON keeps both).
CODES = ("industry", "basis_standard", "source", "state")
MAJOR_COLUMNS = columns_of(schemas.MajorHazardRow, exclude=CODES)
LISTED_COLUMNS = columns_of(schemas.ListedHazardRow, exclude=CODES)


class LedgerTooLarge(ValidationFailed):
    code, title = "ledger-too-large", "清单行数过多，请按地区、行业或日期缩小范围后再导出"


@dataclass(frozen=True)
class Filters:
    region_code: str | None = None
    industry: str | None = None
    state: str | None = None
    open_only: bool | None = None
    listed_from: date | None = None
    listed_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None

    def check(self) -> None:
        for first, last, field in (
            (self.listed_from, self.listed_to, "listed_to"),
            (self.closed_from, self.closed_to, "closed_to"),
        ):
            if first and last and last < first:
                raise ValidationFailed.for_field(field, "结束日期不能早于开始日期", location="query")


@dataclass(frozen=True)
class Ledger:
    title: str
    region_code: str
    region_name: str
    generated_at: datetime
    prepared_by: str | None
    rows: list[Any]
    table: Table

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.rows)


def _counts(rows: list[Any]) -> dict[str, int]:
    return {
        "total": len(rows),
        "open": sum(row.state not in HAZARD_LIFECYCLE.final for row in rows),
        "overdue": sum(row.overdue for row in rows),
        "closed": sum(row.state == "closed" for row in rows),
    }


async def major_hazards(
    session: AsyncSession, caller: Principal, filters: Filters, now: datetime, max_rows: int
) -> Ledger:
    region, name = await _region(session, caller, filters.region_code)
    query = _query(caller, filters, region).where(Hazard.grade == "major", Hazard.state != "rejected")
    found = await _fetch(session, query.order_by(Hazard.region_code, Hazard.found_at, Hazard.id), max_rows)
    names = await _region_names(session, {hazard.region_code for hazard, _ in found})
    rows = [_major_row(hazard, enterprise, names, now) for hazard, enterprise in found]
    return await _ledger(session, caller, "重大事故隐患清单", (region, name), now, rows, MAJOR_COLUMNS)


async def listed_hazards(
    session: AsyncSession, caller: Principal, filters: Filters, now: datetime, max_rows: int
) -> Ledger:
    region, name = await _region(session, caller, filters.region_code)
    query = _query(caller, filters, region).where(Hazard.listed_on.is_not(None))
    found = await _fetch(session, query.order_by(Hazard.listed_on, Hazard.id), max_rows)
    names = await _region_names(session, {hazard.region_code for hazard, _ in found})
    granted = await _extensions_granted(session, [hazard.id for hazard, _ in found])
    rows = [_listed_row(hazard, enterprise, names, granted.get(hazard.id, 0), now) for hazard, enterprise in found]
    return await _ledger(session, caller, "挂牌督办重大事故隐患清单", (region, name), now, rows, LISTED_COLUMNS)


async def _ledger(
    session: AsyncSession,
    caller: Principal,
    title: str,
    region: tuple[str, str],
    now: datetime,
    rows: list,
    columns: Any,
) -> Ledger:
    """Titled by the region and the moment; the line under the title names who prepared it and the totals."""
    moment = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    full_title = f"{region[1]}{title}（截至 {moment}）"
    prepared_by = await body_name(session, caller)
    counts = _counts(rows)
    summary = (
        f"共 {counts['total']} 项：未销号 {counts['open']} 项（其中超期 {counts['overdue']} 项），"
        f"已销号 {counts['closed']} 项"
    )
    if prepared_by:
        summary = f"填报单位：{prepared_by}　　{summary}"
    table = Table(full_title, columns, rows, sheet=title, subtitle=summary)
    return Ledger(full_title, region[0], region[1], now, prepared_by, rows, table)


async def _region(session: AsyncSession, caller: Principal, region_code: str | None) -> tuple[str, str]:
    """The region the ledger is of (the caller's own unless a narrower one is asked) and its name."""
    own = caller.region_code
    if own is None:
        raise OutsideJurisdiction("您没有所属辖区，无法查看清单")
    code = region_code or own
    if region_code is not None:
        if not caller.covers(region_code):
            raise OutsideJurisdiction(f"行政区划 {region_code} 不在您的管辖范围内")
        if await session.get(Region, region_code) is None:
            raise ValidationFailed.for_field("region_code", f"行政区划代码 {region_code} 不存在", location="query")
    if code == NATION:
        return code, "全国"
    return code, await _full_name(session, code)


async def _full_name(session: AsyncSession, code: str) -> str:
    """A county by its own name (德清县); a town with its county's (德清县新市镇)."""
    names = await _region_names(session, {code})
    return names[code]


async def _region_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    wanted = codes | {code[:6] for code in codes if len(code) == 9}
    found = await session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(wanted))))
    names = dict(found.all())
    return {
        code: (names.get(code[:6], "") + names.get(code, code)) if level(code) is Level.TOWN else names.get(code, code)
        for code in codes
    }


def _query(caller: Principal, filters: Filters, region: str) -> Any:
    query = (
        select(Hazard, Enterprise)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(visible_rows(caller, Hazard.region_code, Hazard.enterprise_code))
    )
    if region != NATION:
        query = query.where(Hazard.region_code.startswith(jurisdiction_prefix(region)))
    if filters.industry is not None:
        query = query.where(Hazard.industry == filters.industry)
    if filters.state is not None:
        query = query.where(Hazard.state == filters.state)
    if filters.open_only is not None:
        open_ = Hazard.state.not_in(HAZARD_LIFECYCLE.final)
        query = query.where(open_ if filters.open_only else ~open_)
    if filters.listed_from is not None:
        query = query.where(Hazard.listed_on >= filters.listed_from)
    if filters.listed_to is not None:
        query = query.where(Hazard.listed_on <= filters.listed_to)
    closed = Hazard.state == "closed"
    if filters.closed_from is not None:
        query = query.where(closed, Hazard.closed_at >= _midnight(filters.closed_from))
    if filters.closed_to is not None:
        query = query.where(closed, Hazard.closed_at < _midnight(filters.closed_to + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


async def _fetch(session: AsyncSession, query: Any, max_rows: int) -> list[tuple[Hazard, Enterprise]]:
    found = [tuple(row) for row in await session.execute(query.limit(max_rows + 1))]
    if len(found) > max_rows:
        raise LedgerTooLarge(f"清单超过 {max_rows} 行；请按地区（region_code）、行业或日期筛选后分次导出")
    return found


async def _extensions_granted(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """How many extensions each hazard was granted, from its trail (the hazard keeps only the latest)."""
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 1000):
        query = (
            select(HazardAudit.subject_id, func.count())
            .where(HazardAudit.subject_id.in_(ids[start : start + 1000]), HazardAudit.action == "grant_extension")
            .group_by(HazardAudit.subject_id)
        )
        counts.update(dict((await session.execute(query)).all()))
    return counts


def _day(moment: datetime | None) -> date | None:
    """The Beijing day of a moment: a deadline ends at 23:59:59 of its last day."""
    return moment.astimezone(SHANGHAI).date() if moment is not None else None


def _common(hazard: Hazard, enterprise: Enterprise, names: dict[str, str], now: datetime) -> dict[str, Any]:
    open_ = hazard.state not in HAZARD_LIFECYCLE.final
    return {
        "hazard_id": hazard.id,
        "region_code": hazard.region_code,
        "region_name": names.get(hazard.region_code, hazard.region_code),
        "enterprise_name": enterprise.name,
        "enterprise_code": hazard.enterprise_code,
        "industry": hazard.industry,
        "industry_name": INDUSTRY_BY_CODE[hazard.industry].name if hazard.industry in INDUSTRY_BY_CODE else "",
        "title": hazard.title,
        "state": hazard.state,
        "state_title": HAZARD_LIFECYCLE.states[hazard.state],
        "step": hazard.step,
        "step_due_on": _day(hazard.step_due_at),
        "deadline": _day(hazard.deadline_at),
        "overdue": open_ and hazard.deadline_at is not None and hazard.deadline_at < now.replace(microsecond=0),
        "supervising_department": hazard.supervising_name,
        "closed_on": _day(hazard.closed_at) if hazard.state == "closed" else None,
    }


def _major_row(hazard: Hazard, enterprise: Enterprise, names: dict[str, str], now: datetime) -> schemas.MajorHazardRow:
    details = hazard.details
    standard = STANDARD_BY_ID.get(hazard.basis_standard or "")
    measures = (details.plan.measures if details.plan else details.listing.measures if details.listing else None) or (
        details.report.plan if details.report else None
    )
    return schemas.MajorHazardRow(
        **_common(hazard, enterprise, names, now),
        place=enterprise.address,
        description=hazard.description,
        basis_standard=hazard.basis_standard,
        basis_standard_name=f"{standard.title}（{standard.document}）" if standard else hazard.basis_standard,
        basis_clause=hazard.basis_clause,
        source=hazard.source,
        source_title=SOURCE_TITLES.get(hazard.source, hazard.source),
        found_on=_day(hazard.found_at),
        pre_2024_stock=hazard.pre_2024_stock,
        responsible_person=details.listing.responsible_person if details.listing else None,
        measures=measures,
        listed=hazard.listed_on is not None,
        notice_no=hazard.notice_no,
        lister=hazard.lister_name,
    )


def _listed_row(
    hazard: Hazard, enterprise: Enterprise, names: dict[str, str], granted: int, now: datetime
) -> schemas.ListedHazardRow:
    listing, extension = hazard.details.listing, hazard.details.extension
    return schemas.ListedHazardRow(
        **_common(hazard, enterprise, names, now),
        notice_no=hazard.notice_no or "",
        lister=hazard.lister_name or "",
        listed_on=hazard.listed_on,
        responsible_unit=listing.responsible_unit if listing else None,
        responsible_person=listing.responsible_person if listing else None,
        measures=listing.measures if listing else None,
        original_deadline=listing.deadline if listing else _day(hazard.original_deadline_at),
        extensions_granted=granted,
        extension_requested_to=extension.requested_deadline if extension else None,
        extension_decision=schemas.EXTENSION_DECISIONS[extension.granted] if extension else None,
        production_suspended=hazard.production_suspended,
    )
