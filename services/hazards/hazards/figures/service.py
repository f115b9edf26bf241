"""Hazard figures as of any moment (domain.md §7, scenario 12), read from the hazards' versions
(``figures.models``): the state at ``as_of`` is the versions in force then, never today's rows
filtered by a date — a hazard closed, extended, regraded or moved after ``as_of`` counts as it
stood at ``as_of``.

Each measure is one grouped query over the versions that an index narrows — found in the
period (``found_at``), closed in it (``closed_at``, with the days it took: count, sum and p90 in
SQL), due in it (``deadline_at``), open at ``as_of`` (``state, valid_to``) — and on PostgreSQL
reads that index alone (``figures.models``: covering indexes), so a province's month stays fast
however long its history (``bench/figures.py``). Only aggregates come back, never versions. Every
query is bounded by the caller's jurisdiction (``region_prefix``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hazards.departments.models import Department
from hazards.figures import schemas
from hazards.figures.models import HAZARD_HISTORY, HazardVersion
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.schemas import GRADE_TITLES, SOURCE_TITLES
from hazards.industries.catalogue import INDUSTRY_BY_CODE
from hazards.regions.models import Region
from hazards.reinspections.models import Reinspection
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction
from qingling.clock import SHANGHAI
from qingling.periods import Period, quarter
from qingling.periods import month as month_period
from qingling.standards import STANDARD_BY_ID

V = HazardVersion
CLOSED, REJECTED = "closed", "rejected"
OPEN_STATES = sorted(set(HAZARD_LIFECYCLE.states) - HAZARD_LIFECYCLE.final)
ZEROING_FROM = date(2024, 1, 1)  # the three-year action: stock is what was found before it
STOCK_DEADLINE = date(2024, 12, 31)  # 2024 存量清零
NEW_CURBED_BY = date(2025, 12, 31)  # 2025 增量遏制
_CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 9}  # a prefix's length → its children's key length


@dataclass
class Filters:
    """What the figures are narrowed to besides the jurisdiction."""

    industry: str | None = None
    grade: str | None = None
    source: str | None = None
    department_id: int | None = None

    def clauses(self, model: type[HazardVersion] | type[Reinspection] = HazardVersion) -> list[ColumnElement[bool]]:
        """On the hazards' versions, or on the re-inspections (which carry the same columns)."""
        values = {
            model.industry: self.industry,
            model.grade: self.grade,
            model.source: self.source,
            model.supervising_department_id: self.department_id,
        }
        return [column == value for column, value in values.items() if value is not None]


def scope_of(caller: Principal, region_prefix: str | None) -> str:
    """The region prefix the figures cover: the caller's jurisdiction, or a region within it."""
    own = caller.jurisdiction
    if own is None:
        raise OutsideJurisdiction("您的账号没有所属行政区划，无法统计")
    if region_prefix is None:
        return own
    if not region_prefix.startswith(own):
        raise OutsideJurisdiction(f"行政区划 {region_prefix} 不在您的管辖范围（{own or '全国'}）内")
    return region_prefix


# ------------------------------------------------------------------------------------ grouping


def _group_key(
    group_by: schemas.GroupBy, prefix: str, model: type[HazardVersion] | type[Reinspection] = HazardVersion
) -> ColumnElement[Any]:
    if group_by is schemas.GroupBy.REGION:
        return func.substr(model.region_code, 1, _CHILD_LENGTH[len(prefix)])
    return {
        schemas.GroupBy.INDUSTRY: model.industry,
        schemas.GroupBy.DEPARTMENT: model.supervising_department_id,
        schemas.GroupBy.GRADE: model.grade,
        schemas.GroupBy.SOURCE: model.source,
        schemas.GroupBy.BASIS_STANDARD: model.basis_standard,
    }[group_by]


def _region_code(key: str) -> str:
    """A region key (2, 4, 6 or 9 digits) as a full division code."""
    return key.ljust(6, "0")


async def region_title(session: AsyncSession, prefix: str) -> str:
    if not prefix:
        return "全国"
    return (await _region_names(session, [prefix])).get(prefix, prefix)


async def _region_names(session: AsyncSession, keys: Iterable[str]) -> dict[str, str]:
    codes = {_region_code(key): key for key in keys}
    rows = await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {codes[code]: name for code, name in rows}


async def _child_keys(session: AsyncSession, prefix: str) -> list[str]:
    """Every division one level below ``prefix``, keyed as the region grouping keys them: one with
    nothing to count is a row of zeros, not missing — a ranking or a return lists them all."""
    length = _CHILD_LENGTH[len(prefix)]
    if length == len(prefix):
        return [prefix]
    under = Region.parent_code == _region_code(prefix) if prefix else Region.level == "province"
    return [code[:length] for code in (await session.execute(select(Region.code).where(under))).scalars()]


async def _titles(session: AsyncSession, group_by: schemas.GroupBy, keys: list[Any]) -> dict[Any, str]:
    if group_by is schemas.GroupBy.REGION:
        names = await _region_names(session, keys)
        return {key: names.get(key, key) + ("（县本级）" if len(key) == 6 and any(len(k) == 9 for k in keys) else "")
                for key in keys}  # fmt: skip
    if group_by is schemas.GroupBy.DEPARTMENT:
        ids = [key for key in keys if key is not None]
        rows = await session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))
        return dict(rows.all()) | {None: "未确定督办部门"}
    if group_by is schemas.GroupBy.INDUSTRY:
        return {key: INDUSTRY_BY_CODE[key].name if key in INDUSTRY_BY_CODE else key for key in keys}
    if group_by is schemas.GroupBy.GRADE:
        return {key: GRADE_TITLES.get(key, key) for key in keys}
    if group_by is schemas.GroupBy.SOURCE:
        return {key: SOURCE_TITLES.get(key, key) for key in keys}
    return {key: STANDARD_BY_ID[key].title if key in STANDARD_BY_ID else (key or "无（一般隐患）") for key in keys}


# ------------------------------------------------------------------------------------- figures


class days_between(FunctionElement[float]):  # lower case: it reads as the SQL function it is
    """``days_between(start, end)``: the days from one moment to a later one, as a fraction."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM {end} - {start}) / 86400)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    # julianday is a float of ~2.46 M days: rounded to the millisecond, whole hours stay exact
    return f"(ROUND((julianday({end}) - julianday({start})) * 86400000) / 86400000.0)"


def _nearest_rank(rank: Any, count: Any) -> ColumnElement[bool]:
    """The row whose ``rank`` (1, 2, …) is the ⌈0.9·``count``⌉-th: the p90 by nearest rank."""
    return rank == (9 * count + 9) // 10


@dataclass
class _Tally:
    found: int = 0
    found_major: int = 0
    found_closed: int = 0
    recurred: int = 0
    reinspected: int = 0
    reinspection_failed: int = 0
    due: int = 0
    on_time: int = 0
    closed_late: int = 0
    open_overdue: int = 0
    open: int = 0
    open_major: int = 0
    overdue: int = 0
    open_stock: int = 0
    closed: int = 0
    days: float = 0.0  # the days to 销号 of those closed, summed
    p90: float | None = None  # of the days to 销号: the total's is counted over all, not added

    def add(self, other: _Tally) -> None:
        for name in self.__dataclass_fields__:
            if name != "p90":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def measures(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "found_major": self.found_major,
            "closed": self.closed,
            "rectification_rate": schemas.Rate.of(self.found_closed, self.found),
            "recurred": self.recurred,
            "reinspected": self.reinspected,
            "reinspection_failed": self.reinspection_failed,
            "due": self.due,
            "on_time": self.on_time,
            "closed_late": self.closed_late,
            "open_overdue": self.open_overdue,
            "on_time_rate": schemas.Rate.of(self.on_time, self.due),
            "overdue_rate": schemas.Rate.of(self.open_overdue + self.closed_late, self.due),
            "open": self.open,
            "open_major": self.open_major,
            "overdue": self.overdue,
            "open_stock": self.open_stock,
            "open_new": self.open - self.open_stock,
            "days_to_close": schemas.DaysToClose(
                count=self.closed,
                average=round(self.days / self.closed, 1) if self.closed else None,
                p90=None if self.p90 is None else round(self.p90, 1),
            ),
        }


def _count(condition: ColumnElement[bool] | None = None) -> Any:
    return func.count() if condition is None else func.count().filter(condition)


async def figures(
    session: AsyncSession,
    *,
    prefix: str,
    period: Period,
    as_of: datetime,
    now: datetime,
    group_by: schemas.GroupBy,
    filters: Filters,
) -> schemas.HazardFigures:
    key = _group_key(group_by, prefix).label("key")
    scope = [V.state != REJECTED, *filters.clauses()]
    if prefix:
        scope.append(V.region_code.startswith(prefix, autoescape=True))
    base = [HAZARD_HISTORY.as_of(as_of, now=now), *scope]
    tallies: dict[Any, _Tally] = defaultdict(_Tally)
    closed_by_as_of = V.state == CLOSED

    async def grouped(where: list[ColumnElement[bool]], *columns: Any) -> Any:
        return await session.execute(select(key, *columns).where(*base, *where).group_by(key))

    in_period = [V.found_at >= period.starts_at, V.found_at < period.ends_at]
    recurred = V.recurrence_of_id.is_not(None)
    for row in await grouped(
        in_period, _count(), _count(V.grade == "major"), _count(closed_by_as_of), _count(recurred)
    ):
        tally = tallies[row.key]
        tally.found, tally.found_major, tally.found_closed, tally.recurred = row[1], row[2], row[3], row[4]

    # 回头看 in the period, recorded by as_of (a record never changes once made).
    R = Reinspection
    r_key = _group_key(group_by, prefix, R).label("key")
    done = [R.inspected_at >= period.starts_at, R.inspected_at < period.ends_at, R.created_at <= as_of]
    if prefix:
        done.append(R.region_code.startswith(prefix, autoescape=True))
    reinspections = select(r_key, _count(), _count(R.result == "failed")).where(*done, *filters.clauses(R))
    for row in await session.execute(reinspections.group_by(r_key)):
        tally = tallies[row.key]
        tally.reinspected, tally.reinspection_failed = row[1], row[2]

    due_until = min(period.ends_at, as_of)
    due = [V.deadline_at >= period.starts_at, V.deadline_at < due_until]
    on_time = closed_by_as_of & (V.closed_at <= V.deadline_at)
    late = closed_by_as_of & (V.closed_at > V.deadline_at)
    for row in await grouped(due, _count(), _count(on_time), _count(late), _count(V.state != CLOSED)):
        tally = tallies[row.key]
        tally.due, tally.on_time, tally.closed_late, tally.open_overdue = row[1], row[2], row[3], row[4]

    # Open at as_of: no time narrows it, so one index range per part of the as-of condition.
    open_ = [
        select(key, V.grade, V.deadline_at, V.pre_2024_stock).where(part, *scope, V.state.in_(OPEN_STATES))
        for part in HAZARD_HISTORY.as_of_parts(as_of, now=now)
    ]
    o = union_all(*open_).subquery()
    counts = _count(), _count(o.c.grade == "major"), _count(o.c.deadline_at < as_of), _count(o.c.pre_2024_stock)
    for row in await session.execute(select(o.c.key, *counts).group_by(o.c.key)):
        tally = tallies[row.key]
        tally.open, tally.open_major, tally.overdue, tally.open_stock = row[1], row[2], row[3], row[4]

    # Closed in the period: how many, their days summed, and the p90 of each group and of all.
    closed = [closed_by_as_of, V.closed_at >= period.starts_at, V.closed_at < period.ends_at]
    days = days_between(V.found_at, V.closed_at)
    c = (
        select(
            key, days.label("days"),
            func.row_number().over(partition_by=key, order_by=days).label("rank"),
            func.count().over(partition_by=key).label("n"),
            func.row_number().over(order_by=days).label("rank_all"),
            func.count().over().label("n_all"),
        )
        .where(*base, *closed)
        .subquery()
    )  # fmt: skip
    p90 = func.max(c.c.days).filter(_nearest_rank(c.c.rank, c.c.n))
    p90_all = func.max(c.c.days).filter(_nearest_rank(c.c.rank_all, c.c.n_all))
    total = _Tally()
    for row in await session.execute(select(c.c.key, _count(), func.sum(c.c.days), p90, p90_all).group_by(c.c.key)):
        tally = tallies[row.key]
        tally.closed, tally.days, tally.p90 = row[1], float(row[2]), float(row[3])
        if row[4] is not None:
            total.p90 = float(row[4])

    for tally in tallies.values():
        total.add(tally)
    if group_by is schemas.GroupBy.REGION:
        for key in await _child_keys(session, prefix):
            tallies.setdefault(key, _Tally())  # a region with nothing to count: a row of zeros
    keys = sorted(tallies, key=lambda k: (k is None, str(k)))
    titles = await _titles(session, group_by, keys)
    rows = [
        schemas.FigureRow(key=None if k is None else str(k), title=titles.get(k, str(k)), **tallies[k].measures())
        for k in keys
    ]
    return schemas.HazardFigures(
        period=period,
        as_of=as_of,
        region_prefix=prefix,
        region_title=await region_title(session, prefix),
        group_by=group_by,
        group_by_title=schemas.GROUP_BY_TITLES[group_by],
        total=schemas.HazardMeasures(**total.measures()),
        rows=rows,
    )


# ------------------------------------------------------------------------------------- zeroing


def _quarters(until: date) -> list[Period]:
    """2024-Q1 … 2025-Q4, those begun by ``until``."""
    return [
        quarter(year, number)
        for year in (2024, 2025)
        for number in (1, 2, 3, 4)
        if quarter(year, number).first_day <= until
    ]


def _month_ends(as_of: datetime) -> list[tuple[str, datetime]]:
    """Each month from January 2024 to ``as_of``'s month, with the moment it is counted at."""
    moments, year, number = [], 2024, 1
    last = as_of.astimezone(SHANGHAI)
    while (year, number) <= (last.year, last.month):
        end = month_period(year, number).ends_at - timedelta(microseconds=1)
        moments.append((f"{year}-{number:02d}", min(end, as_of)))
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return moments


@dataclass
class _Zeroing:
    stock: int = 0
    stock_major: int = 0
    stock_cleared: int = 0
    stock_closed: int = 0
    stock_open_major: int = 0
    recurred_major: int = 0
    by_quarter: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_month: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: _Zeroing) -> None:
        for name in ("stock", "stock_major", "stock_cleared", "stock_closed", "stock_open_major", "recurred_major"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.by_quarter, other.by_quarter), (self.by_month, other.by_month)):
            for name, count in theirs.items():
                mine[name] += count

    def measures(self, quarters: list[Period], months: list[tuple[str, datetime]]) -> dict[str, Any]:
        return {
            "stock": self.stock,
            "stock_major": self.stock_major,
            "stock_cleared_by_2024_end": schemas.Rate.of(self.stock_cleared, self.stock),
            "stock_closed": self.stock_closed,
            "stock_open": self.stock - self.stock_closed,
            "stock_open_major": self.stock_open_major,
            "recurred_major": self.recurred_major,
            "new_major_by_quarter": [
                schemas.QuarterCount(quarter=_quarter_name(q), count=self.by_quarter[_quarter_name(q)])
                for q in quarters
            ],
            "open_major_by_month": [
                schemas.MonthCount(month=name, at=at, count=self.by_month[name]) for name, at in months
            ],
        }


def _quarter_name(period: Period) -> str:
    return f"{period.first_day.year}-Q{(period.first_day.month + 2) // 3}"


async def zeroing(session: AsyncSession, *, prefix: str, as_of: datetime, now: datetime) -> schemas.ZeroingProgress:
    key = _group_key(schemas.GroupBy.REGION, prefix).label("key")
    scope = [V.state != REJECTED] + ([V.region_code.startswith(prefix, autoescape=True)] if prefix else [])
    at_as_of = [HAZARD_HISTORY.as_of(as_of, now=now), *scope]
    tallies: dict[str, _Zeroing] = defaultdict(_Zeroing)
    major, closed = V.grade == "major", V.state == CLOSED
    cleared = closed & (V.closed_at < month_period(2025, 1).starts_at)
    stock = select(key, _count(), _count(major), _count(cleared), _count(closed), _count(major & ~closed))
    for row in await session.execute(stock.where(*at_as_of, V.pre_2024_stock).group_by(key)):
        tally = tallies[row.key]
        tally.stock, tally.stock_major, tally.stock_cleared, tally.stock_closed, tally.stock_open_major = row[1:]

    since = [V.found_at >= month_period(2024, 1).starts_at, major, V.recurrence_of_id.is_not(None)]
    for row in await session.execute(select(key, _count()).where(*at_as_of, *since).group_by(key)):
        tallies[row.key].recurred_major = row[1]

    quarters = _quarters(min(as_of.astimezone(SHANGHAI).date(), NEW_CURBED_BY))
    for period in quarters:
        found = [V.found_at >= period.starts_at, V.found_at < period.ends_at, major, ~V.pre_2024_stock]
        for row in await session.execute(select(key, _count()).where(*at_as_of, *found).group_by(key)):
            tallies[row.key].by_quarter[_quarter_name(period)] = row[1]

    # Open 重大 at each month end, in one pass: the versions in force at any of them (current
    # ones begun by the last, ended ones ending after the first: one index range each), each
    # counted at the month ends it spans.
    months = _month_ends(as_of)
    if months:  # none before 2024
        first, last = months[0][1], months[-1][1]
        spans = [and_(V.valid_to.is_(None), V.valid_from <= last), and_(V.valid_to > first, V.valid_from <= last)]
        versions = [
            select(key, V.valid_from, V.valid_to).where(span, *scope, major, V.state.in_(OPEN_STATES)) for span in spans
        ]
        v = union_all(*versions).subquery()
        m = union_all(
            *(select(literal(name).label("month"), literal(at, V.valid_from.type).label("at")) for name, at in months)
        ).subquery()
        in_force = and_(v.c.valid_from <= m.c.at, or_(v.c.valid_to.is_(None), v.c.valid_to > m.c.at))
        query = select(v.c.key, m.c.month, _count()).select_from(v.join(m, in_force)).group_by(v.c.key, m.c.month)
        for row in await session.execute(query):
            tallies[row.key].by_month[row.month] = row[2]

    total = _Zeroing()
    for tally in tallies.values():
        total.add(tally)
    for key in await _child_keys(session, prefix):
        tallies.setdefault(key, _Zeroing())  # a region with nothing to count: a row of zeros
    keys = sorted(tallies)
    titles = await _titles(session, schemas.GroupBy.REGION, keys)
    return schemas.ZeroingProgress(
        as_of=as_of,
        region_prefix=prefix,
        region_title=await region_title(session, prefix),
        stock_deadline=STOCK_DEADLINE,
        total=schemas.ZeroingMeasures(**total.measures(quarters, months)),
        rows=[schemas.ZeroingRow(key=k, title=titles.get(k, k), **tallies[k].measures(quarters, months)) for k in keys],
    )
