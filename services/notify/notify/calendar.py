"""This service's copy of the working-day calendar, kept up to date by ``calendar.year_loaded``
and ``calendar.year_removed`` from the hazards service, which owns it. A change of a year
re-plans the pending reminders it moves (``reminders.replan``) and counts again the limits of the
约谈 still to be held (``supervision.recount_steps``)."""

from sqlalchemy.ext.asyncio import AsyncSession

from notify.database import NotifyModel
from qingling.events import EventEnvelope
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved, HolidayArrangementCopyBase, copy_change


class HolidayArrangement(HolidayArrangementCopyBase, NotifyModel, table=True):
    __tablename__ = "holiday_arrangement"


async def on_year_loaded(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> None:
    """Keep the year's load unless a newer change of the year is kept, and re-plan."""
    if await copy_change(session, HolidayArrangement, data, envelope.occurred_at):
        await _counted_again(session, data.year, f"{data.year} 年放假调休安排已加载（{data.source}）", envelope)


async def on_year_removed(session: AsyncSession, data: CalendarYearRemoved, envelope: EventEnvelope) -> None:
    """Withdraw the year's load unless a newer change of the year is kept, and re-plan."""
    if await copy_change(session, HolidayArrangement, data, envelope.occurred_at):
        why = f"{data.year} 年加载的放假调休安排已撤销，按内置日历或法定节假日计算"
        await _counted_again(session, data.year, why, envelope)


async def _counted_again(session: AsyncSession, year: int, why: str, envelope: EventEnvelope) -> None:
    from notify.reminders.service import replan  # the reminders count with this module's calendar copy
    from notify.supervision.service import recount_steps

    await session.flush()
    await replan(session, year, why, envelope.occurred_at)
    await recount_steps(session, why, envelope.occurred_at)
