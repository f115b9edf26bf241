"""This service's copy of the working-day calendar, kept up to date by ``calendar.year_loaded``
from the hazards service, which owns it."""

from sqlalchemy.ext.asyncio import AsyncSession

from qingling.events import EventEnvelope
from qingling.holidays import CalendarYearLoaded, HolidayArrangementBase, store_arrangement
from reports.database import ReportsModel


class HolidayArrangement(HolidayArrangementBase, ReportsModel, table=True):
    __tablename__ = "holiday_arrangement"


async def on_year_loaded(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> None:
    """Keep the latest load of the year, even if two loads arrive out of order."""
    await store_arrangement(session, HolidayArrangement, data.arrangement(), envelope.occurred_at, unless_newer=True)
