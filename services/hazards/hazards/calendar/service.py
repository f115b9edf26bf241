"""The working-day calendar: the years' official arrangements — national, so loaded by a
national-level administrator (region 000000) only — passed on to the other services, and the
time limits counted with them. A year nobody loaded uses the release's library (chinese_calendar)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.calendar.models import HolidayArrangement
from hazards.calendar.schemas import ArrangementLoad, ArrangementRead, CalendarYears, DeadlineRead, YearCoverage
from hazards.hazard import service as hazards
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import Unit, WorkingCalendar, YearArrangement
from qingling.clock import SHANGHAI
from qingling.errors import FieldError, Forbidden, ValidationFailed
from qingling.holidays import CalendarYearLoaded, store_arrangement, working_calendar
from qingling.outbox import emit
from qingling.regions import Level

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years an arrangement may be loaded for
FIRST_LISTED_YEAR = 2024  # the overview lists every year from here to next year
CONSUMERS = ("reports", "notify")  # the services that count time limits with a copy of the calendar


class CalendarLoadNotAllowed(Forbidden):
    code, title = "calendar-load-not-allowed", "放假安排全国统一，只有国家级系统管理员可以加载"


async def load(
    session: AsyncSession, caller: Principal, year: int, data: ArrangementLoad, now: datetime
) -> HolidayArrangement:
    """Store (or replace) a year's arrangement, pass it on to the other services, and count again
    the deadlines that were provisional for want of it."""
    if not (caller.has(Role.ADMIN) and caller.level is Level.NATION):
        raise CalendarLoadNotAllowed(
            "节假日和调休安排由国务院办公厅统一发布，全国适用，只能由国家级（000000）系统管理员加载；"
            "尚未加载的年份使用本版本内置的日历数据（chinese_calendar）"
        )
    arrangement = _arrangement(year, data)
    row = await store_arrangement(session, HolidayArrangement, arrangement, now)
    emit(session, CalendarYearLoaded.of(arrangement), subject=f"calendar/{year}", to=CONSUMERS)
    await hazards.recount_provisional_deadlines(session, caller, now)
    return row


def _arrangement(year: int, data: ArrangementLoad) -> YearArrangement:
    """The arrangement, or a 422 naming every offending item. Each item is checked on its own by
    ``YearArrangement`` itself, so the rules and their wording stay in one place."""
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
    if errors:
        raise ValidationFailed("；".join(f"{e.field}：{e.message}" for e in errors[:5]), errors=errors)
    return YearArrangement(year, frozenset(data.holidays), frozenset(data.makeup_workdays), data.source.strip())


async def overview(session: AsyncSession, now: datetime) -> CalendarYears:
    rows = list((await session.execute(select(HolidayArrangement).order_by(HolidayArrangement.year))).scalars())
    loaded = {row.year for row in rows}
    library = WorkingCalendar()  # nothing loaded: what the library knows
    years = []
    for year in range(FIRST_LISTED_YEAR, now.astimezone(SHANGHAI).year + 2):
        basis = "loaded" if year in loaded else "library" if library.is_known(year) else "none"
        years.append(YearCoverage(year=year, known=basis != "none", basis=basis))
    return CalendarYears(loaded=[ArrangementRead.model_validate(row) for row in rows], years=years)


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
