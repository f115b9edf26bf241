"""Tip-off and reward figures of a jurisdiction for a period, as they stood at a moment.

Scope is the tip-off list's (``tipoffs.service.visible``) narrowed to one region inside the
caller's jurisdiction — which the jurisdiction part of that rule already covers whole, so the
region's code prefix is the scope: a city sees its counties, a county its own, and a tip-off
outside the region asked for (one a department once led elsewhere included) is never counted.

Everything is read from the versions in force at ``as_of`` (``figures.models``, written where
every change passes), so a tip-off relocated, re-examined or accepted after that moment counts as
it stood then. Each measure counts events whose time falls in the period and not after
``as_of``; "open" and "overdue" are the state at ``as_of``. Limits are the steps' own
(``DECISION_LIMIT``, ``REPLY_LIMIT``) counted with the working calendar, as the runner counts them.

The rows are few per region and period (tip-offs, not hazards), so they are read once and the
measures computed here rather than in SQL per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import OutsideJurisdiction
from qingling.calendar import WorkingCalendar, is_overdue
from qingling.errors import FieldError, ValidationFailed
from qingling.holidays import working_calendar
from qingling.periods import Period
from qingling.regions import Level, jurisdiction_prefix, level
from qingling.runtime import Runtime
from reports.calendar import HolidayArrangement
from reports.figures import schemas
from reports.figures.models import REWARD_HISTORY, TIP_OFF_HISTORY, RewardVersion, TipOffVersion
from reports.figures.schemas import GroupBy
from reports.tipoffs import routing
from reports.tipoffs.lifecycle import DECISION_LIMIT, REPLY_LIMIT, TIP_OFF_LIFECYCLE
from reports.tipoffs.schemas import CATEGORY_TITLES, CHANNEL_TITLES, OUTCOME_TITLES, REFUSAL_GROUNDS, Outcome

# Decisions on whether to take a tip-off up; a merge counts when it came before acceptance.
NOT_TAKEN_UP = ("refused", "handed_over", "merged")
GROUPING = ("region_code", "industry", "category", "channel", "lead_department_id", "lead_department")


class RegionRequired(ValidationFailed):
    code, title = "figures-region-required", "请指定统计的行政区划（region_code）"


# ------------------------------------------------------------------------------------------ scope


def region_of(caller: Principal, region_code: str | None) -> str:
    """The region counted: the caller's own, or one inside it (drilling down); a service names it."""
    if caller.has(Role.SERVICE):
        if region_code is None:
            message = "服务之间调用须指定统计的行政区划"
            raise RegionRequired(message, errors=[FieldError(location="query", field="/region_code", message=message)])
        return region_code
    own = caller.region_code
    if own is None:
        raise OutsideJurisdiction("您的账号没有所在地区，不能查看统计")
    if region_code is None:
        return own
    if not region_code.startswith(jurisdiction_prefix(own)):
        raise OutsideJurisdiction(f"{region_code} 不在您的管辖范围（{own}）内")
    return region_code


def child_of(region_code: str, code: str) -> str:
    """The division one level below ``region_code`` that ``code`` lies in (a county's own code for
    a tip-off placed in the county but in no town)."""
    return {
        Level.NATION: code[:2] + "0000",
        Level.PROVINCE: code[:4] + "00",
        Level.CITY: code[:6],
        Level.COUNTY: code,
        Level.TOWN: code,
    }[level(region_code)]


# ------------------------------------------------------------------------------------------ rows


@dataclass
class Row:
    """One tip-off as it stood at ``as_of``, with its reward if it has one."""

    tip_off: Any
    reward: Any | None = None


async def _rows(session: AsyncSession, region_code: str, period: Period, as_of: datetime, now: datetime) -> list[Row]:
    """The tip-offs that can count, as they stood at ``as_of``: received by then, and either
    changed since the period began (every event's time is at most ``updated_at``) or open."""
    tip_off = TipOffVersion
    in_force = TIP_OFF_HISTORY.as_of(as_of, now=now)
    scope = tip_off.region_code.startswith(jurisdiction_prefix(region_code))
    relevant = or_(tip_off.updated_at >= period.starts_at, tip_off.closed_at.is_(None), tip_off.closed_at > as_of)
    query = select(tip_off).where(in_force, scope, tip_off.received_at <= as_of, relevant)
    rows = {item.item_id: Row(item) for item in (await session.execute(query)).scalars()}
    # Rewards hang on tip-offs that may not have changed in the period: read with their grouping then.
    reward = RewardVersion
    moved = or_(reward.updated_at >= period.starts_at, reward.closed_at.is_(None), reward.closed_at > as_of)
    rewards = (
        select(reward, *(getattr(tip_off, name) for name in GROUPING))
        .join(tip_off, and_(tip_off.item_id == reward.tip_off_id, in_force))
        .where(REWARD_HISTORY.as_of(as_of, now=now), scope, reward.assessed_at <= as_of, moved)
    )
    for item, *grouping in (await session.execute(rewards)).all():
        row = rows.get(item.tip_off_id)
        if row is None:
            row = rows[item.tip_off_id] = Row(_GroupingOnly(*grouping))
        row.reward = item
    return list(rows.values())


@dataclass(frozen=True)
class _GroupingOnly:
    """A tip-off read only to group its reward: it counts in no tip-off measure."""

    region_code: str
    industry: str
    category: str
    channel: str
    lead_department_id: int | None
    lead_department: str | None


# ------------------------------------------------------------------------------------- measures


def _at(moment: datetime | None, as_of: datetime) -> datetime | None:
    """An event's time if it had happened by ``as_of``."""
    return moment if moment is not None and moment <= as_of else None


@dataclass
class Measurer:
    period: Period
    as_of: datetime
    calendar: WorkingCalendar

    def within(self, moment: datetime | None) -> bool:
        return self.period.contains(_at(moment, self.as_of))

    def decision(self, t: Any) -> tuple[str, datetime] | None:
        """How and when the tip-off was (or was not) taken up."""
        if (accepted := _at(t.accepted_at, self.as_of)) is not None:
            return "accepted", accepted
        if t.state in NOT_TAKEN_UP and (closed := _at(t.closed_at, self.as_of)) is not None:
            return t.state, closed
        return None

    def decided_in_time(self, t: Any, decided_at: datetime) -> bool:
        due = DECISION_LIMIT.basis(t.received_at).count(self.calendar).due_at
        return not is_overdue(decided_at, due)

    def replied_in_time(self, t: Any) -> bool:
        due = REPLY_LIMIT.basis(t.concluded_at).count(self.calendar).due_at
        return not is_overdue(t.replied_at, due)

    def tip_offs(self, rows: Iterable[Any]) -> schemas.TipOffMeasures:
        received = decided = in_time = accepted = handed_over = merged = concluded = converted = 0
        replied = replied_in_time = objections = open_ = overdue = 0
        refused: dict[str, int] = defaultdict(int)
        outcomes: dict[str, int] = defaultdict(int)
        for t in rows:
            received += self.within(t.received_at)
            if (decision := self.decision(t)) is not None and self.period.contains(decision[1]):
                kind, at = decision
                decided += 1
                in_time += self.decided_in_time(t, at)
                accepted += kind == "accepted"
                handed_over += kind == "handed_over"
                merged += kind == "merged"
                if kind == "refused":
                    refused[t.refusal_ground] += 1
            if self.within(t.concluded_at) and t.outcome:
                concluded += 1
                outcomes[t.outcome] += 1
                converted += t.hazard_id is not None
            if self.within(t.replied_at):
                replied += 1
                replied_in_time += self.replied_in_time(t)
            objections += self.within(t.objected_at)
            if self._open(t):
                open_ += 1
                overdue += t.step_due_at is not None and is_overdue(self.as_of, t.step_due_at)
        true = outcomes[Outcome.TRUE] + outcomes[Outcome.PARTLY_TRUE]
        return schemas.TipOffMeasures(
            received=received,
            decided=decided,
            decided_within_limit=schemas.Rate.of(in_time, decided),
            accepted=accepted,
            refused=sum(refused.values()),
            refused_by_ground=[
                schemas.RefusalCount(ground=ground, title=title, count=refused[ground])
                for ground, title in REFUSAL_GROUNDS.items()
            ],
            handed_over=handed_over,
            merged=merged,
            concluded=concluded,
            by_outcome=schemas.OutcomeCounts(**{outcome.value: outcomes[outcome] for outcome in OUTCOME_TITLES}),
            found_true=schemas.Rate.of(true, concluded),
            converted=converted,
            replied=replied,
            replied_within_limit=schemas.Rate.of(replied_in_time, replied),
            objections=objections,
            open=open_,
            overdue=overdue,
        )

    def _open(self, t: Any) -> bool:
        closed = t.state in TIP_OFF_LIFECYCLE.final and _at(t.closed_at, self.as_of) is not None
        return t.received_at <= self.as_of and not closed

    def rewards(self, rewards: Iterable[Any]) -> schemas.RewardMeasures:
        totals: dict[str, list[int]] = {name: [0, 0] for name in ("decided", "claimed", "paid", "lapsed", "awaiting")}
        declined = 0

        def add(name: str, amount: int | None) -> None:
            totals[name][0] += 1
            totals[name][1] += amount or 0

        for r in rewards:
            if r.state == "ineligible":  # found ineligible when assessed, or declined by the head
                declined += self.within(r.decided_at or r.assessed_at)
            elif self.within(r.decided_at):
                add("decided", r.amount_yuan)
            if self.within(r.claimed_at):
                add("claimed", r.amount_yuan)
            recorded = _at(r.payout_recorded_at, self.as_of)
            if recorded is not None and self.period.first_day <= r.paid_on <= self.period.last_day:
                add("paid", r.paid_amount_yuan)
            if self.within(r.lapsed_at):
                add("lapsed", r.amount_yuan)
            settled = _at(r.claimed_at, self.as_of) or _at(r.lapsed_at, self.as_of)
            if _at(r.notified_at, self.as_of) is not None and settled is None:
                add("awaiting", r.amount_yuan)

        def amount(name: str) -> schemas.Amount:
            return schemas.Amount(count=totals[name][0], amount_yuan=totals[name][1])

        return schemas.RewardMeasures(
            decided=amount("decided"),
            declined=declined,
            claimed=amount("claimed"),
            paid=amount("paid"),
            lapsed=amount("lapsed"),
            awaiting_claim=amount("awaiting"),
        )

    def group(self, key: str | None, title: str, rows: list[Row]) -> schemas.FigureGroup:
        return schemas.FigureGroup(
            key=key,
            title=title,
            tip_offs=self.tip_offs(row.tip_off for row in rows if not isinstance(row.tip_off, _GroupingOnly)),
            rewards=self.rewards(row.reward for row in rows if row.reward is not None),
        )


# ------------------------------------------------------------------------------------- grouping


def _key(group_by: GroupBy, region_code: str) -> Callable[[Any], str | None]:
    if group_by is GroupBy.REGION:
        return lambda t: child_of(region_code, t.region_code)
    if group_by is GroupBy.LEAD_DEPARTMENT:
        return lambda t: str(t.lead_department_id) if t.lead_department_id is not None else None
    return lambda t: getattr(t, group_by.value)


async def _titles(
    session: AsyncSession, runtime: Runtime, group_by: GroupBy, region_code: str, rows: list[Row]
) -> dict[str | None, str]:
    if group_by is GroupBy.CATEGORY:
        return {**CATEGORY_TITLES}
    if group_by is GroupBy.CHANNEL:
        return {**CHANNEL_TITLES}
    if group_by is GroupBy.LEAD_DEPARTMENT:
        named = {str(r.tip_off.lead_department_id): r.tip_off.lead_department for r in rows}
        return {**named, None: "尚未分办"}
    if group_by is GroupBy.REGION:
        return {region_code: "本级（未定位到下一级区划）", **await _region_names(session, runtime, region_code)}
    return {}


async def _region_names(session: AsyncSession, runtime: Runtime, region_code: str) -> dict[str, str]:
    """The names of the divisions below ``region_code``, from the register (cached; none when it
    cannot be asked — the codes still stand)."""
    path = f"{routing.HAZARDS}/regions"
    try:
        answer = await routing.ask(session, runtime, f"children:{region_code}", path, {"parent": region_code})
    except (routing.RegisterUnavailable, ValidationFailed):
        return {}
    return {item["code"]: item["name"] for item in answer or []}


async def figures(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    *,
    region_code: str | None,
    period: Period,
    as_of: datetime,
    group_by: GroupBy,
) -> schemas.TipOffFigures:
    region = region_of(caller, region_code)
    rows = await _rows(session, region, period, as_of, runtime.clock.now())
    measurer = Measurer(period, as_of, await working_calendar(session, HolidayArrangement))
    key = _key(group_by, region)
    grouped: dict[str | None, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[key(row.tip_off)].append(row)
    titles = await _titles(session, runtime, group_by, region, rows)
    groups = [
        measurer.group(code, titles.get(code) or code or "（无）", grouped[code])
        for code in sorted(grouped, key=lambda code: (code is None, code or ""))
    ]
    return schemas.TipOffFigures(
        region_code=region,
        period=period,
        as_of=as_of,
        group_by=group_by,
        total=measurer.group(region, "合计", rows),
        groups=groups,
    )
