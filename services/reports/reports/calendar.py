"""This service's copy of the working-day calendar, kept up to date by ``calendar.year_loaded``
and ``calendar.year_removed`` from the hazards service, which owns it."""

from sqlalchemy.ext.asyncio import AsyncSession

from qingling.events import EventEnvelope
from qingling.holidays import (
    CalendarYearLoaded,
    CalendarYearRemoved,
    HolidayArrangementBase,
    remove_arrangement,
    store_arrangement,
)
from reports.database import ReportsModel


class HolidayArrangement(HolidayArrangementBase, ReportsModel, table=True):
    __tablename__ = "holiday_arrangement"


async def on_year_loaded(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> None:
    """Keep the latest load of the year, even if two loads arrive out of order."""
    await store_arrangement(session, HolidayArrangement, data.arrangement(), envelope.occurred_at, unless_newer=True)


async def on_year_removed(session: AsyncSession, data: CalendarYearRemoved, envelope: EventEnvelope) -> None:
    """Forget the year's load, unless a later load arrived first."""
    await remove_arrangement(session, HolidayArrangement, data.year, envelope.occurred_at)
