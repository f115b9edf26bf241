"""This service's copy of the working-day calendar, kept up to date by ``calendar.year_loaded``
and ``calendar.year_removed`` from the hazards service, which owns it (the tip-offs' handlers of
those events count again the limits a change moves)."""

from sqlalchemy.ext.asyncio import AsyncSession

from qingling.events import EventEnvelope
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved, HolidayArrangementCopyBase, copy_change
from reports.database import ReportsModel


class HolidayArrangement(HolidayArrangementCopyBase, ReportsModel, table=True):
    __tablename__ = "holiday_arrangement"


async def keep_year(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> bool:
    """Keeps the year's load unless a newer change of the year is kept; answers whether it was."""
    kept = await copy_change(session, HolidayArrangement, data, envelope.occurred_at)
    await session.flush()
    return kept


async def forget_year(session: AsyncSession, data: CalendarYearRemoved, envelope: EventEnvelope) -> bool:
    """Withdraws the year's load unless a newer change of the year is kept; answers whether it was."""
    withdrawn = await copy_change(session, HolidayArrangement, data, envelope.occurred_at)
    await session.flush()
    return withdrawn
