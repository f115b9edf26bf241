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
from functools import cache
from typing import ClassVar

from pydantic import Field as PydanticField
from sqlalchemy import JSON, Select, select
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

    @classmethod
    def in_force(cls) -> Select:
        return select(cls)


class HolidayArrangementCopyBase(HolidayArrangementBase):
    """A copy fed by events, which may arrive out of order (replicas, retries): each change of a
    year carries the owner's change number (``version``) and the copy keeps only a newer one. A
    withdrawn load is kept as a tombstone (``withdrawn``), so the load it undid, delivered late,
    cannot bring the year back."""

    version: int = 0
    withdrawn: bool = False

    @classmethod
    def in_force(cls) -> Select:
        return select(cls).where(cls.withdrawn.is_(False))


VERSION = "日历变更的序号（加载、替换、撤销按发生顺序递增）：副本只接受比已有的更新的变更，事件乱序到达也不会回退"


class CalendarYearLoaded(EventData):
    """某年的放假调休安排已加载（或被替换）：各服务据此更新本地的工作日日历。"""

    event_type: ClassVar[str] = "calendar.year_loaded"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    year: int = PydanticField(description="年份")
    holidays: list[date] = PydanticField(description="放假日（含放假期间的周末）")
    makeup_workdays: list[date] = PydanticField(description="调休上班日（周六或周日）")
    source: str = PydanticField(description="放假安排的来源（通知文号）")
    version: int = PydanticField(default=0, description=VERSION)

    @classmethod
    def of(cls, arrangement: YearArrangement, version: int) -> CalendarYearLoaded:
        return cls(
            year=arrangement.year,
            holidays=sorted(arrangement.holidays),
            makeup_workdays=sorted(arrangement.makeup_workdays),
            source=arrangement.source,
            version=version,
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
    version: int = PydanticField(default=0, description=VERSION)


async def working_calendar(session: AsyncSession, model: type[HolidayArrangementBase]) -> WorkingCalendar:
    """The calendar with every year stored in ``model``; other years come from the library."""
    rows = (await session.execute(_years_in_force(model))).scalars()
    return WorkingCalendar(row.arrangement() for row in rows)


@cache
def _years_in_force(model: type[HolidayArrangementBase]) -> Select:
    """Built once per table: every intake and every step with a time limit reads the calendar."""
    return model.in_force().order_by(model.year)


async def store_arrangement(
    session: AsyncSession, model: type[HolidayArrangementBase], arrangement: YearArrangement, now: datetime
) -> HolidayArrangementBase:
    """The owner's load: inserts or replaces the row of ``arrangement.year``, loaded at ``now``."""
    row = await session.get(model, arrangement.year, with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                row = model(year=arrangement.year, loaded_at=now, **_columns(arrangement))
                session.add(row)
            return row
        except IntegrityError:  # stored meanwhile by a concurrent transaction: replace it below
            row = await session.get(model, arrangement.year, with_for_update=True, populate_existing=True)
    for column, value in _columns(arrangement).items():
        setattr(row, column, value)
    row.loaded_at = now
    return row


async def remove_arrangement(
    session: AsyncSession, model: type[HolidayArrangementBase], year: int
) -> HolidayArrangementBase | None:
    """The owner's undoing of a load: the row of ``year`` is deleted; returns it, if there was one."""
    row = await session.get(model, year, with_for_update=True)
    if row is not None:
        await session.delete(row)
    return row


async def copy_change(
    session: AsyncSession,
    model: type[HolidayArrangementCopyBase],
    change: CalendarYearLoaded | CalendarYearRemoved,
    at: datetime,
) -> bool:
    """A copy takes in a change of a year unless it already holds a newer one (by the owner's
    change number, then time); a withdrawal leaves a tombstone. Answers whether it took it in."""
    if isinstance(change, CalendarYearLoaded):
        columns = _columns(change.arrangement()) | {"withdrawn": False}
    else:
        columns = {"holidays": [], "makeup_workdays": [], "source": "", "withdrawn": True}
    if (row := await session.get(model, change.year, with_for_update=True)) is None:
        try:  # the first news of the year; a concurrent first one makes this insert fail
            async with session.begin_nested():
                session.add(model(year=change.year, loaded_at=at, version=change.version, **columns))
            return True
        except IntegrityError:
            row = await session.get(model, change.year, with_for_update=True, populate_existing=True)
    if (row.version, row.loaded_at) > (change.version, at):
        return False
    for column, value in (columns | {"version": change.version, "loaded_at": at}).items():
        setattr(row, column, value)
    return True


def _columns(arrangement: YearArrangement) -> dict[str, object]:
    return {
        "holidays": [day.isoformat() for day in sorted(arrangement.holidays)],
        "makeup_workdays": [day.isoformat() for day in sorted(arrangement.makeup_workdays)],
        "source": arrangement.source,
    }
