"""This service's copy of the working-day calendar, kept up to date by ``calendar.year_loaded``
and ``calendar.year_removed`` from the hazards service, which owns it. A change of a year
re-plans the pending reminders it moves (``reminders.replan``)."""

from sqlalchemy.ext.asyncio import AsyncSession

from notify.database import NotifyModel
from qingling.events import EventEnvelope
from qingling.holidays import (
    CalendarYearLoaded,
    CalendarYearRemoved,
    HolidayArrangementBase,
    remove_arrangement,
    store_arrangement,
)


class HolidayArrangement(HolidayArrangementBase, NotifyModel, table=True):
    __tablename__ = "holiday_arrangement"


async def on_year_loaded(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> None:
    """Keep the latest load of the year, even if two loads arrive out of order, and re-plan."""
    from notify.reminders.service import replan

    row = await store_arrangement(
        session, HolidayArrangement, data.arrangement(), envelope.occurred_at, unless_newer=True
    )
    if row.loaded_at == envelope.occurred_at:
        await session.flush()
        await replan(session, data.year, f"{data.year} 年放假调休安排已加载（{data.source}）", envelope.occurred_at)


async def on_year_removed(session: AsyncSession, data: CalendarYearRemoved, envelope: EventEnvelope) -> None:
    """Forget the year's load unless a later one arrived first, and re-plan."""
    from notify.reminders.service import replan

    if await remove_arrangement(session, HolidayArrangement, data.year, envelope.occurred_at) is not None:
        await session.flush()
        await replan(
            session,
            data.year,
            f"{data.year} 年加载的放假调休安排已撤销，按内置日历或法定节假日计算",
            envelope.occurred_at,
        )
