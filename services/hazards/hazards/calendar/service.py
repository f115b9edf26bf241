"""The working-day calendar: the years' official arrangements — national, so loaded by a
national-level administrator (region 000000) only — passed on to the other services, and the
time limits counted with them. A year nobody loaded uses the release's library (chinese_calendar);
a year the library does not have either is counted with the statutory holidays of
《全国年节及纪念日放假办法》 and weekends, provisionally (``qingling.statutory``).

A load is reference data that outlives a mistake only if it can be checked and undone: it must
contain the year's statutory holidays and name its source document, every load, replacement and
removal is on the calendar's trail (who, when, before and after), and a removal puts the year back
on the library's or the computed days."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.calendar.models import HolidayArrangement, HolidayArrangementChange
from hazards.calendar.schemas import (
    ArrangementChangeRead,
    ArrangementLoad,
    ArrangementRead,
    CalendarYears,
    DeadlineRead,
    StatutoryDay,
    WorkingDaysLeft,
    WorkingDaysLeftRead,
    YearCoverage,
)
from hazards.hazard import service as hazards
from hazards.returns import service as returns
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import Unit, WorkingCalendar, YearArrangement, is_overdue, missing_statutory
from qingling.clock import SHANGHAI
from qingling.errors import FieldError, Forbidden, NotFound, ValidationFailed
from qingling.holidays import (
    CalendarYearLoaded,
    CalendarYearRemoved,
    remove_arrangement,
    store_arrangement,
    working_calendar,
)
from qingling.outbox import emit
from qingling.regions import Level
from qingling.statutory import statutory_holidays

FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years an arrangement may be loaded for (the law's days are computed)
FIRST_LISTED_YEAR = 2024  # the overview lists every year from here to next year
CONSUMERS = ("reports", "notify")  # the services that count time limits with a copy of the calendar
WEEKDAYS = "一二三四五六日"


class CalendarLoadNotAllowed(Forbidden):
    code, title = "calendar-load-not-allowed", "放假安排全国统一，只有国家级系统管理员可以加载"


class CalendarYearNotLoaded(NotFound):
    code, title = "calendar-year-not-loaded", "该年没有加载的放假安排"


def _national_admin(caller: Principal) -> None:
    if not (caller.has(Role.ADMIN) and caller.level is Level.NATION):
        raise CalendarLoadNotAllowed(
            "节假日和调休安排由国务院办公厅统一发布，全国适用，只能由国家级（000000）系统管理员加载或撤销；"
            "尚未加载的年份使用本版本内置的日历数据（chinese_calendar），没有的按法定节假日推算"
        )


async def load(
    session: AsyncSession, caller: Principal, year: int, data: ArrangementLoad, now: datetime
) -> HolidayArrangement:
    """Store (or replace) a year's arrangement, pass it on to the other services, count again the
    deadlines it moves, and put it on the calendar's trail."""
    _national_admin(caller)
    arrangement = _arrangement(year, data)
    before = await session.get(HolidayArrangement, year, with_for_update=True)
    before_columns = _snapshot(before)
    row = await store_arrangement(session, HolidayArrangement, arrangement, now)
    change = await _trail(session, caller, year, "replace" if before_columns else "load", now, before_columns, row)
    emit(session, CalendarYearLoaded.of(arrangement, change.id), subject=f"calendar/{year}", to=CONSUMERS)
    change.recounted = await _recount(session, caller, now, year)
    return row


async def remove(session: AsyncSession, caller: Principal, year: int, now: datetime) -> None:
    """Undo a load: the year goes back to the library's data, or to its statutory holidays."""
    _national_admin(caller)
    row = await session.get(HolidayArrangement, year, with_for_update=True)
    if row is None:
        raise CalendarYearNotLoaded(f"{year} 年没有加载的放假安排，该年使用内置日历数据或按法定节假日推算")
    before = _snapshot(row)
    await remove_arrangement(session, HolidayArrangement, year)
    change = await _trail(session, caller, year, "remove", now, before, None)
    emit(session, CalendarYearRemoved(year=year, version=change.id), subject=f"calendar/{year}", to=CONSUMERS)
    change.recounted = await _recount(session, caller, now, year)


async def _recount(session: AsyncSession, caller: Principal, now: datetime, year: int) -> int:
    """The open deadlines the year moves: hazards' and returns'."""
    hazards_recounted = await hazards.recount_deadlines(session, caller, now, year)
    return hazards_recounted + await returns.recount_deadlines(session, caller, now, year)


def _snapshot(row: HolidayArrangement | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"holidays": list(row.holidays), "makeup_workdays": list(row.makeup_workdays), "source": row.source}


async def _trail(
    session: AsyncSession, caller: Principal, year: int, action: str, now: datetime,
    before: dict[str, Any] | None, after: HolidayArrangement | None,
) -> HolidayArrangementChange:  # fmt: skip
    """The change on the calendar's trail; its number orders the change for the services' copies."""
    change = HolidayArrangementChange(
        year=year, action=action, actor=caller.subject, actor_name=caller.name or caller.subject, at=now,
        before=before, after=_snapshot(after),
    )  # fmt: skip
    session.add(change)
    await session.flush()
    return change


def _arrangement(year: int, data: ArrangementLoad) -> YearArrangement:
    """The arrangement, or a 422 naming every offending item. Each item is checked on its own by
    ``YearArrangement`` itself, so the rules and their wording stay in one place; then the whole
    must keep every statutory holiday of the year a day off."""
    errors: list[FieldError] = []

    def check(field: str, holidays: Collection[date] = (), makeup: Collection[date] = (), source: str = "—") -> bool:
        try:
            YearArrangement(year, frozenset(holidays), frozenset(makeup), source)
        except ValueError as exc:
            errors.append(FieldError(location="body", field=field, message=str(exc)))
            return False
        return True

    for index, day in enumerate(data.holidays):
        check(f"/holidays/{index}", holidays=[day])
    for index, day in enumerate(data.makeup_workdays):
        if check(f"/makeup_workdays/{index}", makeup=[day]) and day in data.holidays:
            check(f"/makeup_workdays/{index}", holidays=[day], makeup=[day])
    check("/source", source=data.source)
    if not errors:
        arrangement = YearArrangement(
            year, frozenset(data.holidays), frozenset(data.makeup_workdays), data.source.strip()
        )
        for day, name in missing_statutory(arrangement).items():
            where = "列为调休上班日" if day in arrangement.makeup_workdays else "未列入放假日"
            errors.append(FieldError(location="body", field="/holidays", message=(
                f"缺少法定节假日 {day.isoformat()}（{name}，周{WEEKDAYS[day.weekday()]}）：{where}；"
                "《全国年节及纪念日放假办法》规定的节日应当放假"
            )))  # fmt: skip
    if errors:
        raise ValidationFailed("；".join(f"{e.field}：{e.message}" for e in errors[:5]), errors=errors)
    return arrangement


async def overview(session: AsyncSession, now: datetime) -> CalendarYears:
    rows = list((await session.execute(select(HolidayArrangement).order_by(HolidayArrangement.year))).scalars())
    loaded = {row.year for row in rows}
    library = WorkingCalendar()  # nothing loaded: what the library knows
    years = []
    for year in range(FIRST_LISTED_YEAR, now.astimezone(SHANGHAI).year + 2):
        basis = "loaded" if year in loaded else "library" if library.is_known(year) else "statutory"
        statutory = [StatutoryDay(day=day, name=name) for day, name in statutory_holidays(year).items()]
        years.append(YearCoverage(year=year, known=basis != "statutory", basis=basis, statutory_holidays=statutory))
    changes = (await session.execute(select(HolidayArrangementChange).order_by(HolidayArrangementChange.id))).scalars()
    return CalendarYears(
        loaded=[ArrangementRead.model_validate(row) for row in rows],
        years=years,
        changes=[ArrangementChangeRead.model_validate(change) for change in changes],
    )


async def deadline(session: AsyncSession, start: datetime, amount: int, unit: Unit) -> DeadlineRead:
    if not FIRST_YEAR <= start.astimezone(SHANGHAI).year <= LAST_YEAR:
        raise ValidationFailed.for_field("start", f"起算时间应在 {FIRST_YEAR}—{LAST_YEAR} 年之间", location="query")
    counted = (await working_calendar(session, HolidayArrangement)).deadline(start, amount, unit)
    return DeadlineRead(
        last_day=counted.last_day,
        due_at=counted.due_at,
        provisional=counted.provisional,
        unknown_years=sorted(counted.unknown_years),
    )


async def working_days_left(session: AsyncSession, until: list[datetime], now: datetime) -> WorkingDaysLeftRead:
    for index, moment in enumerate(until):
        if not FIRST_YEAR <= moment.astimezone(SHANGHAI).year <= LAST_YEAR:
            raise ValidationFailed.for_field(
                f"until/{index}", f"截止时刻应在 {FIRST_YEAR}—{LAST_YEAR} 年之间", location="query"
            )
    today = now.astimezone(SHANGHAI).date()
    last_days = [moment.astimezone(SHANGHAI).date() for moment in until]
    counted = (await working_calendar(session, HolidayArrangement)).working_days_left(today, last_days)
    items = []
    for moment, last_day in zip(until, last_days, strict=True):
        days, unknown = counted[last_day]
        items.append(WorkingDaysLeft(
            until=moment, last_day=last_day, working_days_left=days, overdue=is_overdue(now, moment),
            provisional=bool(unknown), unknown_years=sorted(unknown),
        ))  # fmt: skip
    return WorkingDaysLeftRead(now=now, today=today, items=items)
