"""Working days and time limits (日 / 工作日), counted as Chinese procedural law counts them.

The day of the triggering event is not counted: day 1 is the next day (the next working day for
工作日). A limit ends at 23:59:59 Asia/Shanghai of its last day, and a 日 limit whose last day is a
holiday or rest day ends on the next working day instead.

Which days are working days depends on the State Council's yearly notice (放假调休, with weekend
make-up workdays). A year an administrator has loaded wins; otherwise ``chinese_calendar`` answers
for the years it ships. A year neither covers is not a year of unknown holidays: its statutory
holidays are fixed by 《全国年节及纪念日放假办法》 (``qingling.statutory``) and its weekends are
weekends; only the 调休 make-up days are unknown. Such a year is counted that way, and every answer
that looked at it is *provisional*: the caller must recompute it once the year's notice is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar

from qingling.clock import SHANGHAI
from qingling.statutory import statutory_holidays

ONE_DAY = timedelta(days=1)
END_OF_DAY = time(23, 59, 59)


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"  # 日
    WORKING_DAYS = "working_days"  # 工作日


UNIT_TITLES = {Unit.CALENDAR_DAYS: "日", Unit.WORKING_DAYS: "工作日"}


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement, as an administrator loads it from the State Council notice."""

    year: int
    holidays: frozenset[date]  # days off that would otherwise be working days (weekend days may be listed too)
    makeup_workdays: frozenset[date]  # 调休上班: weekend days that are working days
    source: str  # the notice, e.g. "国办发明电〔2025〕7号"

    def __post_init__(self) -> None:
        if stray := sorted(d for d in self.holidays | self.makeup_workdays if d.year != self.year):
            raise ValueError(f"{self.year} 年放假安排中含有其他年份的日期：{stray[0].isoformat()}")
        if both := sorted(self.holidays & self.makeup_workdays):
            raise ValueError(f"{both[0].isoformat()} 不能既是放假日又是调休上班日")
        if weekdays := sorted(d for d in self.makeup_workdays if d.weekday() < 5):
            raise ValueError(f"调休上班日应为周六或周日：{weekdays[0].isoformat()} 是工作日")
        if not self.source.strip():
            raise ValueError("请填写放假安排的来源（通知文号）")


def missing_statutory(arrangement: YearArrangement) -> dict[date, str]:
    """The statutory holidays of the arrangement's year it would make working days — each with its
    festival: a notice arranges the law's days, it never takes one away. Empty for a plausible one."""
    return {
        day: name
        for day, name in _statutory(arrangement.year).items()
        if day in arrangement.makeup_workdays or (day.weekday() < 5 and day not in arrangement.holidays)
    }


@dataclass(frozen=True)
class Deadline:
    last_day: date
    due_at: datetime  # 23:59:59 Asia/Shanghai of last_day, in UTC
    unknown_years: frozenset[int] = frozenset()  # years counted without their notice (statutory days only)

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


@lru_cache(maxsize=4096)  # a pure look-up, made for every day a deadline counts through
def _library_says(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the library has no data for this year yet
        return None


class WorkingCalendar:
    def __init__(self, arrangements: Iterable[YearArrangement] = ()) -> None:
        self._loaded: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            if arrangement.year in self._loaded:
                raise ValueError(f"{arrangement.year} 年的放假安排重复加载")
            self._loaded[arrangement.year] = arrangement

    def is_known(self, year: int) -> bool:
        return year in self._loaded or _library_says(date(year, 1, 1)) is not None

    def unknown_years(self, first: date, last: date) -> frozenset[int]:
        """Years between the two dates (inclusive) whose notice is missing: counted with their
        statutory holidays and weekends, without 调休."""
        return frozenset(year for year in range(first.year, last.year + 1) if not self.is_known(year))

    def is_workday(self, day: date) -> bool:
        return self._is_workday(day, set())

    def _is_workday(self, day: date, unknown: set[int]) -> bool:
        if arrangement := self._loaded.get(day.year):
            return day in arrangement.makeup_workdays or (day.weekday() < 5 and day not in arrangement.holidays)
        if (answer := _library_says(day)) is not None:
            return answer
        unknown.add(day.year)
        return day.weekday() < 5 and day not in _statutory(day.year)

    def _add_working_days(self, day: date, n: int, unknown: set[int]) -> date:
        _check_amount(n)
        while n:
            day += ONE_DAY
            n -= self._is_workday(day, unknown)
        return day

    def add_working_days(self, day: date, n: int) -> tuple[date, bool]:
        """The n-th working day after ``day`` (which is not counted), and whether that is provisional."""
        unknown: set[int] = set()
        return self._add_working_days(day, n, unknown), bool(unknown)

    def working_days_left(self, today: date, last_days: Iterable[date]) -> dict[date, tuple[int, frozenset[int]]]:
        """For each last day, the working days left after ``today`` up to it — 0 when it is today —
        or, for a last day already past, minus the working days after it up to today; each with the
        years counted without their notice. One walk each way from today, however many days are asked."""
        answers: dict[date, tuple[int, frozenset[int]]] = {}
        count, unknown, day = 0, set[int](), today
        for target in sorted(d for d in set(last_days) if d >= today):
            while day < target:  # the days after today, up to the last day
                day += ONE_DAY
                count += self._is_workday(day, unknown)
            answers[target] = (count, frozenset(unknown))
        count, unknown, day = 0, set[int](), today
        for target in sorted((d for d in set(last_days) if d < today), reverse=True):
            while day > target:  # today, back to the day after the last day
                count += self._is_workday(day, unknown)
                day -= ONE_DAY
            answers[target] = (-count, frozenset(unknown))
        return answers

    def deadline(self, start: datetime, amount: int, unit: Unit) -> Deadline:
        """The time limit of ``amount`` ``unit`` that starts with an event at ``start``."""
        if start.tzinfo is None:
            raise ValueError("deadline() needs a timezone-aware datetime")
        _check_amount(amount)
        event_day = start.astimezone(SHANGHAI).date()
        unknown: set[int] = set()
        if Unit(unit) is Unit.WORKING_DAYS:
            last_day = self._add_working_days(event_day, amount, unknown)
        else:
            last_day = event_day + timedelta(days=amount)
            while not self._is_workday(last_day, unknown):  # a 日 limit does not end on a day off
                last_day += ONE_DAY
        return Deadline(last_day, end_of_day(last_day), frozenset(unknown))


def _statutory(year: int) -> dict[date, str]:
    try:
        return statutory_holidays(year)
    except ValueError:  # beyond the years the law's days are computed for: weekends only
        return {}


def _check_amount(amount: int) -> None:
    if amount < 1:
        raise ValueError(f"a time limit needs at least one day, got {amount}")


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai of ``day``, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI).astimezone(UTC)


def is_overdue(now: datetime, due_at: datetime) -> bool:
    # Deadlines are stored to the second, so the last day's final second is still on time.
    return now.replace(microsecond=0) > due_at


def lateness(now: datetime, due_at: datetime | None, step_due_at: datetime | None, *, open_: bool = True) -> dict:
    """How late an open item is — the fields every service shows the same way: ``overdue``,
    ``days_overdue`` for its deadline, ``step_overdue`` for the next step's time limit."""
    overdue = open_ and due_at is not None and is_overdue(now, due_at)
    return {
        "overdue": overdue,
        "days_overdue": days_overdue(now, due_at) if overdue else 0,
        "step_overdue": open_ and step_due_at is not None and is_overdue(now, step_due_at),
    }


def days_overdue(now: datetime, due_at: datetime) -> int:
    """Whole calendar days past the last day, counted in Asia/Shanghai; 0 when not overdue."""
    if not is_overdue(now, due_at):
        return 0
    return (now.astimezone(SHANGHAI).date() - due_at.astimezone(SHANGHAI).date()).days
