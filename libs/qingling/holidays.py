"""The yearly holiday arrangements (放假调休), stored where time limits are counted.

The hazards service owns the arrangements: a province administrator loads a year from the State
Council notice, and the event ``calendar.year_loaded`` carries it to every other service that
counts time limits, which keeps a copy in a table of its own. Each of them declares the table on
its own model base and builds its ``WorkingCalendar`` from it, so all count alike:

    class HolidayArrangement(HolidayArrangementBase, ReportsModel, table=True):
        __tablename__ = "holiday_arrangement"

    calendar = await working_calendar(session, HolidayArrangement)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field as PydanticField
from sqlalchemy import JSON, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.calendar import WorkingCalendar, YearArrangement
from qingling.events import EventData


class HolidayArrangementBase(SQLModel):
    """Columns of a service's ``holiday_arrangement`` table; each service declares the table."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: list[str] = Field(sa_type=JSON)  # ISO dates
    makeup_workdays: list[str] = Field(sa_type=JSON)  # ISO dates
    source: str = Field(max_length=100)
    loaded_at: datetime  # when the hazards service loaded it

    def arrangement(self) -> YearArrangement:
        return YearArrangement(
            year=self.year,
            holidays=frozenset(date.fromisoformat(day) for day in self.holidays),
            makeup_workdays=frozenset(date.fromisoformat(day) for day in self.makeup_workdays),
            source=self.source,
        )


class CalendarYearLoaded(EventData):
    """某年的放假调休安排已加载（或被替换）：各服务据此更新本地的工作日日历。"""

    event_type: ClassVar[str] = "calendar.year_loaded"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    year: int = PydanticField(description="年份")
    holidays: list[date] = PydanticField(description="放假日（含放假期间的周末）")
    makeup_workdays: list[date] = PydanticField(description="调休上班日（周六或周日）")
    source: str = PydanticField(description="放假安排的来源（通知文号）")

    @classmethod
    def of(cls, arrangement: YearArrangement) -> CalendarYearLoaded:
        return cls(
            year=arrangement.year,
            holidays=sorted(arrangement.holidays),
            makeup_workdays=sorted(arrangement.makeup_workdays),
            source=arrangement.source,
        )

    def arrangement(self) -> YearArrangement:
        """The arrangement carried; raises ``ValueError`` if it is not a consistent one."""
        return YearArrangement(self.year, frozenset(self.holidays), frozenset(self.makeup_workdays), self.source)


class CalendarYearRemoved(EventData):
    """某年加载的放假调休安排已撤销：该年恢复使用内置日历库的数据，或按法定节假日推算（暂定）。"""

    event_type: ClassVar[str] = "calendar.year_removed"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    year: int = PydanticField(description="年份")


async def working_calendar(session: AsyncSession, model: type[HolidayArrangementBase]) -> WorkingCalendar:
    """The calendar with every year stored in ``model``; other years come from the library."""
    rows = (await session.execute(select(model).order_by(model.year))).scalars()
    return WorkingCalendar(row.arrangement() for row in rows)


async def store_arrangement(
    session: AsyncSession,
    model: type[HolidayArrangementBase],
    arrangement: YearArrangement,
    now: datetime,
    *,
    unless_newer: bool = False,
) -> HolidayArrangementBase:
    """Insert or replace the row of ``arrangement.year``, loaded at ``now``.

    With ``unless_newer`` a row loaded after ``now`` is kept: a copy fed by events stays on the
    latest load even when two loads of one year arrive out of order.
    """
    row = await session.get(model, arrangement.year, with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                row = model(year=arrangement.year, loaded_at=now, **_columns(arrangement))
                session.add(row)
            return row
        except IntegrityError:  # stored meanwhile by a concurrent transaction: replace it below
            row = await session.get(model, arrangement.year, with_for_update=True, populate_existing=True)
    if unless_newer and row.loaded_at > now:
        return row
    for column, value in _columns(arrangement).items():
        setattr(row, column, value)
    row.loaded_at = now
    return row


async def remove_arrangement(
    session: AsyncSession, model: type[HolidayArrangementBase], year: int, now: datetime
) -> HolidayArrangementBase | None:
    """Deletes the row of ``year`` unless it was loaded after ``now`` (a later load wins, whatever
    order the events arrive in); returns the row removed, if any."""
    row = await session.get(model, year, with_for_update=True)
    if row is None or row.loaded_at > now:
        return None
    await session.delete(row)
    return row


def _columns(arrangement: YearArrangement) -> dict[str, object]:
    return {
        "holidays": [day.isoformat() for day in sorted(arrangement.holidays)],
        "makeup_workdays": [day.isoformat() for day in sorted(arrangement.makeup_workdays)],
        "source": arrangement.source,
    }
