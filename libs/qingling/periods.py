"""Reporting periods for figures and returns: a month, a quarter, a year or a range of days, in
Asia/Shanghai — what a 安委办 clerk means by "三季度" is 1 Jul 00:00 to 30 Sep 23:59:59 Beijing
time, whatever the server's zone. One query dependency (``PeriodQuery``) for every figures route:
``month=2025-03``, ``quarter=2025-Q3``, ``year=2025`` or ``from``/``to`` (dates, both included);
nothing given is the current month so far. ``AsOfQuery``: the moment the figures are counted at
(default now; never in the future).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query
from pydantic import Field

from qingling.clock import SHANGHAI
from qingling.errors import FieldError, ValidationFailed
from qingling.inputs import QueryDate, QueryTime
from qingling.runtime import CurrentRuntime
from qingling.schemas import Schema, Timestamp

QUARTER_TITLES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^\d{4}$")
FIRST_YEAR, LAST_YEAR = 1949, 2199  # as every date in a query (qingling.inputs.QueryDate)
MAX_DAYS = 366 * 5  # a range longer than five years is a mistake, not a return


class AsOfInFuture(ValidationFailed):
    code, title = "as-of-in-future", "统计时点不能晚于当前时间"


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


class Period(Schema):
    """统计期间（北京时间）：起止日期均含在内。"""

    kind: PeriodKind = Field(description="month 月、quarter 季度、year 年、range 自定日期范围")
    title: str = Field(description="期间的中文名称，如“2025年第三季度”")
    first_day: date = Field(description="第一天（含）")
    last_day: date = Field(description="最后一天（含）")
    starts_at: Timestamp = Field(description="开始时刻：第一天 00:00（北京时间）")
    ends_at: Timestamp = Field(description="结束时刻（不含）：最后一天的次日 00:00（北京时间）")

    @classmethod
    def of(cls, kind: PeriodKind, first_day: date, last_day: date, title: str) -> Period:
        return cls(
            kind=kind,
            title=title,
            first_day=first_day,
            last_day=last_day,
            starts_at=_midnight(first_day),
            ends_at=_midnight(last_day + timedelta(days=1)),
        )

    def contains(self, moment: datetime | None) -> bool:
        """Whether ``moment`` falls in the period."""
        return moment is not None and self.starts_at <= moment < self.ends_at


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    last = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    return Period.of(PeriodKind.MONTH, first, last, f"{year}年{number}月")


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * number - 2, 1)
    last = month(year, 3 * number).last_day
    return Period.of(PeriodKind.QUARTER, first, last, f"{year}年{QUARTER_TITLES[number]}")


def year(number: int) -> Period:
    return Period.of(PeriodKind.YEAR, date(number, 1, 1), date(number, 12, 31), f"{number}年")


def days(first: date, last: date) -> Period:
    return Period.of(PeriodKind.RANGE, first, last, f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}")


def _year(field: str, digits: str) -> int:
    if not FIRST_YEAR <= int(digits) <= LAST_YEAR:
        raise _error(field, f"年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间")
    return int(digits)


def _error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(location="query", field=f"/{field}", message=message)])


def parse(
    *,
    today: date,
    month_text: str | None = None,
    quarter_text: str | None = None,
    year_text: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period the query names; 422 naming the parameter for a malformed or conflicting one."""
    given = [name for name, value in (("month", month_text), ("quarter", quarter_text), ("year", year_text)) if value]
    if first is not None or last is not None:
        given.append("from/to")
    if len(given) > 1:
        raise _error(
            given[1].split("/")[0],
            f"期间只能用一种方式指定（month、quarter、year 或 from/to），收到：{'、'.join(given)}",
        )
    if month_text:
        if not (match := _MONTH.match(month_text)) or not 1 <= int(match[2]) <= 12:
            raise _error("month", "月份应写作 YYYY-MM，如 2025-03")
        return month(_year("month", match[1]), int(match[2]))
    if quarter_text:
        if not (match := _QUARTER.match(quarter_text)):
            raise _error("quarter", "季度应写作 YYYY-Qn，如 2025-Q3")
        return quarter(_year("quarter", match[1]), int(match[2]))
    if year_text:
        if not _YEAR.match(year_text):
            raise _error("year", "年份应写作四位数字，如 2025")
        return year(_year("year", year_text))
    if first is not None or last is not None:
        if first is None or last is None:
            raise _error("from" if first is None else "to", "自定期间须同时给出 from 和 to（日期，均含在内）")
        if last < first:
            raise _error("to", f"结束日期 {last} 早于开始日期 {first}")
        if (last - first).days > MAX_DAYS:
            raise _error("to", "自定期间不能超过五年")
        return days(first, last)
    return month(today.year, today.month)


async def _period_query(
    runtime: CurrentRuntime,
    month_text: Annotated[str | None, Query(alias="month", max_length=7, description="月份，如 2025-03")] = None,
    quarter_text: Annotated[str | None, Query(alias="quarter", max_length=7, description="季度，如 2025-Q3")] = None,
    year_text: Annotated[str | None, Query(alias="year", max_length=4, description="年份，如 2025")] = None,
    first: Annotated[QueryDate | None, Query(alias="from", description="自定期间的第一天（含）")] = None,
    last: Annotated[QueryDate | None, Query(alias="to", description="自定期间的最后一天（含）")] = None,
) -> Period:
    today = runtime.clock.now().astimezone(SHANGHAI).date()
    return parse(
        today=today, month_text=month_text, quarter_text=quarter_text, year_text=year_text, first=first, last=last
    )


# The period a figures route is asked for (month / quarter / year / from+to; default: this month).
PeriodQuery = Annotated[Period, Depends(_period_query)]


_AsOfParameter = Annotated[
    QueryTime | None,
    Query(
        alias="as_of",
        description="统计时点：按这一时刻系统中的记录统计，如季度末 2024-09-30T23:59:59+08:00"
        "（默认：统计期间已结束的为期间结束时，尚未结束的为现在）",
    ),
]


def _checked(as_of: datetime, now: datetime) -> datetime:
    if as_of > now:
        raise AsOfInFuture.for_field("as_of", f"统计时点 {as_of.isoformat()} 晚于当前时间", location="query")
    return as_of


async def _as_of_query(runtime: CurrentRuntime, as_of: _AsOfParameter = None) -> datetime:
    now = runtime.clock.now()
    return now if as_of is None else _checked(as_of, now)


async def _period_as_of_query(runtime: CurrentRuntime, period: PeriodQuery, as_of: _AsOfParameter = None) -> datetime:
    """A period's figures are, unless asked otherwise, those at its end — the Q3 return pulled on
    10 October is the state at the end of 30 September (domain.md §8 scenario 12) — or now, while
    it runs."""
    now = runtime.clock.now()
    if as_of is not None:
        return _checked(as_of, now)
    return min(now, period.ends_at)  # 截至 its last day 24:00: every deadline in it has come


# The moment figures are counted at: ``as_of`` or now; 422 as-of-in-future for a later one.
AsOfQuery = Annotated[datetime, Depends(_as_of_query)]
# The moment a period's figures are counted at: ``as_of``, or the period's end (now while it runs).
PeriodAsOfQuery = Annotated[datetime, Depends(_period_as_of_query)]
