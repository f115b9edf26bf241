"""Self-checks (自查): the principal leads a major-hazard check at least once a quarter, a
high-risk enterprise once a month (domain.md §4). An enterprise that logged none in a period
is reported — once — so notify can remind it and its regulator sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises import service as enterprises
from hazards.enterprises.models import Enterprise
from hazards.hazard.events import SUBSCRIBERS
from hazards.selfchecks.models import SelfCheck, SelfCheckNotice
from hazards.selfchecks.schemas import MissingSelfCheck, SelfCheckCreate
from qingling.auth.principal import Principal
from qingling.auth.scope import visible_rows
from qingling.calendar import end_of_day
from qingling.clock import SHANGHAI
from qingling.errors import ValidationFailed
from qingling.hazard_events import SelfCheckMissed
from qingling.outbox import emit
from qingling.runtime import Runtime

HIGH_RISK_INDUSTRIES = frozenset({"hazardous_chemicals", "fireworks", "coal_mining", "metal_mining"})


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    last: date

    def previous(self, monthly: bool) -> Period:
        return period_of(self.first - timedelta(days=1), monthly)


def is_high_risk(enterprise: Enterprise) -> bool:
    return enterprise.risk_class == "A" or enterprise.industry in HIGH_RISK_INDUSTRIES


def period_of(day: date, monthly: bool) -> Period:
    if monthly:
        first = day.replace(day=1)
        label = f"{day.year}-{day.month:02d}"
    else:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if not monthly:
        following = (following.replace(day=28) + timedelta(days=4)).replace(day=1)
        following = (following.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(label, first, following - timedelta(days=1))


async def record(
    session: AsyncSession, caller: Principal, enterprise_id: int, data: SelfCheckCreate, now: datetime
) -> SelfCheck:
    enterprise = await enterprises.get(session, caller, enterprise_id)
    if data.checked_on > now.astimezone(SHANGHAI).date():
        raise ValidationFailed.for_field("checked_on", "检查日期不能晚于今天")
    check = SelfCheck(enterprise_id=enterprise.id, **data.model_dump(), recorded_by=caller.subject, created_at=now)
    session.add(check)
    await session.flush()
    return check


async def history(session: AsyncSession, caller: Principal, enterprise_id: int) -> list[SelfCheck]:
    enterprise = await enterprises.get(session, caller, enterprise_id)
    query = select(SelfCheck).where(SelfCheck.enterprise_id == enterprise.id).order_by(SelfCheck.checked_on.desc())
    return list((await session.execute(query)).scalars())


async def missing(session: AsyncSession, caller: Principal, day: date) -> list[MissingSelfCheck]:
    """Enterprises in the caller's scope without a principal-led check in the period of ``day``."""
    query = select(Enterprise).where(visible_rows(caller, Enterprise.region_code, Enterprise.credit_code))
    return [entry for entry, _ in await _missing(session, list((await session.execute(query)).scalars()), day)]


async def report_missed(session: AsyncSession, runtime: Runtime, now: datetime) -> int:
    """Reports every enterprise whose last finished period passed without a principal-led check —
    each enterprise and period once, through the outbox. Returns how many were reported."""
    today = now.astimezone(SHANGHAI).date()
    everyone = list((await session.execute(select(Enterprise))).scalars())
    reported = 0
    for monthly in (True, False):
        group = [e for e in everyone if is_high_risk(e) == monthly]
        finished = period_of(today, monthly).previous(monthly)
        for entry, enterprise in await _missing(session, group, finished.last):
            try:
                async with session.begin_nested():
                    notice = SelfCheckNotice(enterprise_id=enterprise.id, period=entry.period, created_at=now)
                    session.add(notice)
            except IntegrityError:
                continue  # reported before
            event = SelfCheckMissed(
                notice_id=notice.id,
                enterprise_code=enterprise.credit_code,
                enterprise_name=enterprise.name,
                region_code=enterprise.region_code,
                period=entry.period,
                period_ended_at=end_of_day(finished.last),
            )
            emit(session, event, subject=f"enterprise/{enterprise.id}", to=SUBSCRIBERS)
            reported += 1
    return reported


async def _missing(
    session: AsyncSession, candidates: list[Enterprise], day: date
) -> list[tuple[MissingSelfCheck, Enterprise]]:
    result = []
    for monthly in (True, False):
        group = [e for e in candidates if is_high_risk(e) == monthly]
        if not group:
            continue
        period = period_of(day, monthly)
        checked = select(SelfCheck.enterprise_id).where(
            SelfCheck.principal_led, SelfCheck.checked_on >= period.first, SelfCheck.checked_on <= period.last
        )
        done = set((await session.execute(checked)).scalars())
        result += [
            (
                MissingSelfCheck(
                    enterprise_id=e.id, credit_code=e.credit_code, name=e.name, region_code=e.region_code,
                    period=period.label, period_ends=period.last,
                ),
                e,
            )
            for e in group
            if e.id not in done
        ]  # fmt: skip
    return sorted(result, key=lambda pair: pair[1].id)
