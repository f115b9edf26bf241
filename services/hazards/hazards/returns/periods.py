"""The reporting periods of the returns and their deadlines (domain.md §7), in Asia/Shanghai.

- 周报: a week, Monday to Sunday (ISO week); due the next working day after it.
- 月报: a month; due 「每月20日前」 (seed 000), read as *by the 20th, inclusive* — the convention
  of 「X日前报送」 in these notices, and the issue's acceptance (“not submitted by the 20th”).
- 季报: a quarter; due by the 15th of the month after it (domain.md §7: quarterly tables by the
  15th of the next quarter; departments report them up to the same-level 安委办).
- 年报: the year so far, 1 January to 30 November — due 「12月10日前」 (inclusive), so December
  cannot be in it; its figures are as of 30 November's last instant.

Each deadline is a ``TimeBasis`` counted from the period's last day like any limit (domain.md:
the period's last day is the event, not counted; a 日 limit ending on a day off moves to the
next working day), so it is recounted when a year's holiday notice is loaded, and provisional
until then. The 20th of the next month is 20 日 after a month's last day, the 15th 15 日 after a
quarter's, 10 December 10 日 after 30 November.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hazards.returns.schemas import ReturnKind
from qingling.calendar import Unit, end_of_day
from qingling.lifecycle import TimeBasis
from qingling.periods import QUARTER_TITLES, Period, PeriodKind

ANNUAL_LAST = (11, 30)  # the year-end summary covers the year to 30 November (due 10 December)
DUE = {  # how long after the period's last day the return is due
    ReturnKind.WEEKLY: (1, Unit.WORKING_DAYS),
    ReturnKind.MONTHLY: (20, Unit.CALENDAR_DAYS),
    ReturnKind.QUARTERLY: (15, Unit.CALENDAR_DAYS),
    ReturnKind.ANNUAL: (10, Unit.CALENDAR_DAYS),
}
LABEL_PATTERN = r"^(\d{4}-W\d{2}|\d{4}-\d{2}|\d{4}-Q[1-4]|\d{4})$"
_WEEK, _MONTH, _QUARTER, _YEAR = (re.compile(p) for p in (r"^(\d{4})-W(\d{2})$", r"^(\d{4})-(\d{2})$",
                                                          r"^(\d{4})-Q([1-4])$", r"^(\d{4})$"))  # fmt: skip


@dataclass(frozen=True)
class ReturnPeriod:
    kind: ReturnKind
    label: str  # 2025-W18, 2025-04, 2025-Q1, 2025
    first_day: date
    last_day: date
    title: str

    @property
    def as_of(self) -> datetime:
        """The period's end (its last day 24:00): the moment its figures are counted at, as the
        figures API counts a past period by default."""
        return self.period().ends_at

    def period(self) -> Period:
        kind = {ReturnKind.MONTHLY: PeriodKind.MONTH, ReturnKind.QUARTERLY: PeriodKind.QUARTER}
        return Period.of(kind.get(self.kind, PeriodKind.RANGE), self.first_day, self.last_day, self.title)

    def due_basis(self) -> TimeBasis:
        amount, unit = DUE[self.kind]
        return TimeBasis(start=end_of_day(self.last_day), amount=amount, unit=unit)


def week(monday: date) -> ReturnPeriod:
    sunday = monday + timedelta(days=6)
    iso = monday.isocalendar()
    title = f"{iso.year}年第{iso.week}周（{monday.month}月{monday.day}日至{sunday.month}月{sunday.day}日）"
    return ReturnPeriod(ReturnKind.WEEKLY, f"{iso.year}-W{iso.week:02d}", monday, sunday, title)


def month(year: int, number: int) -> ReturnPeriod:
    first = date(year, number, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return ReturnPeriod(ReturnKind.MONTHLY, f"{year}-{number:02d}", first, last, f"{year}年{number}月")


def quarter(year: int, number: int) -> ReturnPeriod:
    first = date(year, 3 * number - 2, 1)
    last = month(year, 3 * number).last_day
    return ReturnPeriod(ReturnKind.QUARTERLY, f"{year}-Q{number}", first, last, f"{year}年{QUARTER_TITLES[number]}")


def annual(year: int) -> ReturnPeriod:
    last = date(year, *ANNUAL_LAST)
    return ReturnPeriod(ReturnKind.ANNUAL, str(year), date(year, 1, 1), last, f"{year}年（1月1日至11月30日）")


def last_ended(kind: ReturnKind, today: date) -> ReturnPeriod:
    """The latest period of ``kind`` that ended before ``today`` (Asia/Shanghai)."""
    if kind is ReturnKind.WEEKLY:
        return week(today - timedelta(days=today.weekday() + 7))
    if kind is ReturnKind.MONTHLY:
        previous = today.replace(day=1) - timedelta(days=1)
        return month(previous.year, previous.month)
    if kind is ReturnKind.QUARTERLY:
        this = (today.month - 1) // 3 + 1
        return quarter(today.year, this - 1) if this > 1 else quarter(today.year - 1, 4)
    return annual(today.year if today.month == 12 else today.year - 1)


def parse(kind: ReturnKind, label: str) -> ReturnPeriod | None:
    """The period ``label`` names for ``kind``; None when it names none."""
    try:
        if kind is ReturnKind.WEEKLY and (match := _WEEK.match(label)):
            return week(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        if kind is ReturnKind.MONTHLY and (match := _MONTH.match(label)):
            return month(int(match[1]), int(match[2]))
        if kind is ReturnKind.QUARTERLY and (match := _QUARTER.match(label)):
            return quarter(int(match[1]), int(match[2]))
        if kind is ReturnKind.ANNUAL and (match := _YEAR.match(label)):
            return annual(int(match[1]))
    except ValueError:
        return None
    return None
