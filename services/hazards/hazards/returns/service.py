"""Returns (报表): opened by a sweep when their period ends, one per kind, period and department
that must report; prepared, submitted, sent back or received through the one lifecycle runner;
every step on the return's audit trail and published (``return.changed``) so notify's deadline
board and reminder ladder follow an unsubmitted return like any deadline.

Who must report: every active department of county level and above in the register (domain.md
§2: tip-offs and 挂牌督办 are county-level and up; towns inspect and assist and report through
their county), to the 安委办 of its own level (§7: departments report to the same-level 安委办,
which reports up level by level)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.calendar.models import HolidayArrangement
from hazards.departments.models import Department
from hazards.regions.models import Region
from hazards.returns import actions, periods, schemas, tables
from hazards.returns.authority import CHECKS, ROWS
from hazards.returns.lifecycle import RETURN_LIFECYCLE
from hazards.returns.models import PeriodicReturn, PeriodicReturnAudit
from hazards.returns.schemas import KIND_TITLES, ReturnKind
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.auth.scope import OutsideJurisdiction, staff_rows
from qingling.calendar import WorkingCalendar, is_overdue, lateness
from qingling.clock import SHANGHAI, to_shanghai
from qingling.errors import Conflict, NotFound
from qingling.exports import Table
from qingling.hazard_events import ReturnChanged
from qingling.holidays import working_calendar
from qingling.lifecycle import Runner, Transition, recount_step, start_step
from qingling.outbox import emit
from qingling.pagination import PageParams, fetch_page
from qingling.runtime import Runtime

SUBSCRIBERS = ("notify",)  # deadline board and reminder ladder
SYSTEM = Principal(subject="system:returns", roles=frozenset({Role.SERVICE}))
OUTSTANDING = ("due", "prepared", "sent_back")  # not (or no longer) with the 安委办
CLOSED_FOR_REMINDERS = frozenset({"submitted", "received"})


class ReturnNotFound(NotFound):
    code, title = "return-not-found", "报表不存在或不在您的管辖范围内"


class ReturnNotPrepared(Conflict):
    code, title = "return-not-prepared", "报表尚未编制，还没有数字"


def reports(department: Department) -> bool:
    """Whether a department must report: active, county level and above (a 6-digit region)."""
    return department.active and len(department.region_code) == 6


# ------------------------------------------------------------------------------------ the sweep


async def open_due_returns(session: AsyncSession, runtime: Runtime, now: datetime) -> int:
    """Sweep: for the latest period of each kind that has ended, while its deadline has not passed,
    opens the return of every department that must report and has none yet — idempotent (unique
    kind + period + department), so replicas and repeated passes open each once. The sweep runs
    every few seconds, so a return is opened as its period ends; a department added after the
    deadline owes no return for that period. Returns how many it opened."""
    today = now.astimezone(SHANGHAI).date()
    departments = [d for d in (await session.execute(select(Department))).scalars() if reports(d)]
    if not departments:
        return 0
    calendar = await _calendar(session)
    committees = await _committee_names(session, {d.region_code for d in departments})
    opened = 0
    for kind in ReturnKind:
        period = periods.last_ended(kind, today)
        if is_overdue(now, period.due_basis().count(calendar).due_at):
            continue  # its window has closed: nobody is asked for a return already late when asked
        query = select(PeriodicReturn.department_id).where(
            PeriodicReturn.kind == kind.value, PeriodicReturn.period == period.label
        )
        existing = set((await session.execute(query)).scalars())
        for department in departments:
            if department.id in existing:
                continue
            item = _new_return(period, department, committees[department.region_code], now)
            due = start_step(item, f"报送{KIND_TITLES[kind]}", period.due_basis(), calendar)
            item.due_at, item.due_provisional = due.due_at, due.provisional
            try:
                async with session.begin_nested():
                    session.add(item)
            except IntegrityError:
                continue  # opened by a concurrent pass
            record_change(session, item, "open", SYSTEM, now, {"from": None, "to": item.state})
            opened += 1
    return opened


def _new_return(
    period: periods.ReturnPeriod, department: Department, committee_name: str, now: datetime
) -> PeriodicReturn:
    return PeriodicReturn(
        kind=period.kind.value,
        period=period.label,
        period_first_day=period.first_day,
        period_last_day=period.last_day,
        department_id=department.id,
        department_region_code=department.region_code,
        department_kind=department.kind,
        department_name=department.name,
        committee_region_code=department.region_code,
        committee_name=committee_name,
        state=RETURN_LIFECYCLE.initial,
        due_at=now,  # set from the period's deadline before it is stored
        created_at=now,
        updated_at=now,
    )


async def _committee_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    query = select(Region.code, Region.name).where(Region.code.in_(codes))
    names = {code: name for code, name in await session.execute(query)}
    return {code: f"{names.get(code, code)}安委办" for code in codes}


# ----------------------------------------------------------------------------------------- read


async def get(session: AsyncSession, caller: Principal, return_id: int, *, for_update: bool = False) -> PeriodicReturn:
    item = await session.get(PeriodicReturn, return_id, with_for_update=for_update)
    if item is None or not _visible(caller, item.department_region_code):
        raise ReturnNotFound()
    return item


def _visible(caller: Principal, region_code: str) -> bool:
    """Returns are staff records: those of the caller's jurisdiction (a service sees all)."""
    return caller.has(Role.SERVICE) or (caller.has(*STAFF_ROLES) and caller.covers(region_code))


async def page(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    now: datetime,
    *,
    state: str | None = None,
    kind: ReturnKind | None = None,
    period: str | None = None,
    department_id: int | None = None,
    region_prefix: str | None = None,
    committee_region_code: str | None = None,
    outstanding: bool | None = None,
    overdue: bool | None = None,
    actionable: bool = False,
) -> list[PeriodicReturn]:
    """``actionable``: only those on which the caller may take an action now (``allowed_actions``)."""
    query = select(PeriodicReturn).where(staff_rows(caller, PeriodicReturn.department_region_code))
    if actionable:
        query = query.where(RUNNER.actionable(caller, PeriodicReturn.state))
    filters = {
        PeriodicReturn.state: state,
        PeriodicReturn.kind: kind.value if kind else None,
        PeriodicReturn.period: period,
        PeriodicReturn.department_id: department_id,
        PeriodicReturn.committee_region_code: committee_region_code,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if region_prefix:
        query = query.where(PeriodicReturn.department_region_code.startswith(region_prefix))
    if outstanding is not None:
        waiting = PeriodicReturn.state.in_(OUTSTANDING)
        query = query.where(waiting if outstanding else ~waiting)
    if overdue is not None:
        late = PeriodicReturn.state.in_(OUTSTANDING) & (PeriodicReturn.due_at < now.replace(microsecond=0))
        query = query.where(late if overdue else ~late)
    return await fetch_page(session, query, PeriodicReturn.id, params)


async def overview(
    session: AsyncSession,
    caller: Principal,
    now: datetime,
    *,
    committee_region_code: str | None,
    kind: ReturnKind | None,
    period: str | None,
    latest: int,
) -> schemas.ReturnsOverview:
    """What the 安委办 of a level sees of the returns owed to it: per kind and period, how many
    departments must report, have submitted, have been received, are outstanding (and late), and
    which are outstanding. Default: the caller's own level, the ``latest`` periods of each kind."""
    code = committee_region_code or caller.region_code
    if code is None or not _visible(caller, code):
        raise OutsideJurisdiction(f"安委办所在地区 {code} 不在您的管辖范围内")
    query = select(PeriodicReturn).where(PeriodicReturn.committee_region_code == code)
    if kind is not None:
        query = query.where(PeriodicReturn.kind == kind.value)
    if period is not None:
        query = query.where(PeriodicReturn.period == period)
    else:  # the latest periods of each kind: by their deadline
        recent = (
            select(PeriodicReturn.kind, PeriodicReturn.period, func.max(PeriodicReturn.due_at).label("due"))
            .where(PeriodicReturn.committee_region_code == code)
            .group_by(PeriodicReturn.kind, PeriodicReturn.period)
        )
        by_kind: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for row in await session.execute(recent):
            by_kind[row.kind].append((row.due, row.period))
        keep = {(k, p) for k, rows in by_kind.items() for _, p in sorted(rows, reverse=True)[:latest]}
        query = query.where(or_(*[(PeriodicReturn.kind == k) & (PeriodicReturn.period == p) for k, p in keep], false()))
    groups: dict[tuple[str, str], list[PeriodicReturn]] = defaultdict(list)
    for item in (await session.execute(query.order_by(PeriodicReturn.department_id))).scalars():
        groups[(item.kind, item.period)].append(item)
    rows = []
    for (kind_code, label), items in groups.items():
        first = items[0]
        waiting = [i for i in items if i.state in OUTSTANDING]
        the_kind = ReturnKind(kind_code)
        rows.append(
            schemas.OverviewRow(
                kind=the_kind,
                kind_title=KIND_TITLES[the_kind],
                period=label,
                period_title=actions.period_of(first).title,
                due_at=max(i.due_at for i in items),
                expected=len(items),
                submitted=sum(i.state in CLOSED_FOR_REMINDERS for i in items),
                received=sum(i.state == "received" for i in items),
                outstanding=len(waiting),
                overdue=sum(is_overdue(now, i.step_due_at or i.due_at) for i in waiting),
                outstanding_departments=[_department(i) for i in waiting],
            )
        )
    rows.sort(key=lambda r: (r.due_at, r.kind), reverse=True)
    name = await _committee_names(session, {code})
    return schemas.ReturnsOverview(committee_region_code=code, committee_name=name[code], rows=rows)


def _department(item: PeriodicReturn) -> schemas.DepartmentRef:
    return schemas.DepartmentRef(
        id=item.department_id, region_code=item.department_region_code, kind=item.department_kind,
        name=item.department_name,
    )  # fmt: skip


def to_read(item: PeriodicReturn, caller: Principal, now: datetime) -> schemas.ReturnRead:
    kind = ReturnKind(item.kind)
    waiting = item.state in OUTSTANDING
    return schemas.ReturnRead.model_validate(
        {
            **item.model_dump(),
            "kind": kind,
            "kind_title": KIND_TITLES[kind],
            "period_title": actions.period_of(item).title,
            "title": title_of(item),
            "department": _department(item),
            "state_title": RETURN_LIFECYCLE.states[item.state],
            "submitted_late": None
            if item.first_submitted_at is None
            else is_overdue(item.first_submitted_at, item.due_at),
            "figures": item.figures,
            "allowed_actions": RUNNER.allowed_for(item, caller),
            **lateness(now, item.step_due_at or item.due_at if waiting else None, item.step_due_at, open_=waiting),
        }
    )


def title_of(item: PeriodicReturn) -> str:
    return f"{item.department_name} {actions.period_of(item).title} {KIND_TITLES[ReturnKind(item.kind)]}"


async def return_tables(
    session: AsyncSession, caller: Principal, return_id: int
) -> tuple[tables.ReturnTables, list[Table]]:
    item = await get(session, caller, return_id)
    if item.figures is None:
        raise ReturnNotPrepared(f"{title_of(item)}尚未编制（状态：{RETURN_LIFECYCLE.states[item.state]}），请先编制")
    return tables.tables(item, title_of(item), actions.period_of(item).title)


async def history(session: AsyncSession, caller: Principal, return_id: int) -> list[PeriodicReturnAudit]:
    await get(session, caller, return_id)
    return await audit.trail(session, PeriodicReturnAudit, return_id)


async def verify(session: AsyncSession, caller: Principal, return_id: int) -> audit.Verification:
    item = await get(session, caller, return_id)
    return audit.verify(await history(session, caller, return_id), item.head)


# -------------------------------------------------------------------------------------- actions


async def act(
    session: AsyncSession,
    runtime: Any,
    caller: Principal,
    return_id: int,
    transition: Transition,
    payload: BaseModel | None,
    now: datetime,
) -> PeriodicReturn:
    item = await get(session, caller, return_id, for_update=True)
    return await RUNNER.fire(session, runtime, item, caller, transition.action, payload, now)


def record_change(
    session: AsyncSession, item: PeriodicReturn, action: str, caller: Principal, now: datetime, payload: dict
) -> None:
    """Appends the change to the return's trail and publishes its new state, in the change's
    own transaction."""
    entry = audit.trail_entry(
        PeriodicReturnAudit, item.id, item.head, action=action, actor=caller, at=now, payload=payload,
        reason=payload.get("reason"),
    )  # fmt: skip
    session.add(entry)
    item.audit_seq, item.audit_head = entry.seq, entry.hash
    event = ReturnChanged(
        return_id=item.id,
        seq=item.audit_seq,
        action=action,
        state=item.state,
        previous_state=payload.get("from"),
        kind=item.kind,
        period=item.period,
        title=title_of(item),
        department_id=item.department_id,
        department_region_code=item.department_region_code,
        department_kind=item.department_kind,
        committee_region_code=item.committee_region_code,
        due_at=item.due_at,
        step=item.step,
        step_due_at=item.step_due_at,
        step_provisional=item.step_provisional,
        closed=item.state in CLOSED_FOR_REMINDERS,
    )
    emit(session, event, subject=f"return/{item.id}", to=SUBSCRIBERS)


async def _calendar(session: AsyncSession) -> WorkingCalendar:
    return await working_calendar(session, HolidayArrangement)


RUNNER: Runner[PeriodicReturn] = Runner(
    RETURN_LIFECYCLE,
    effects=actions.EFFECTS,
    authorities=CHECKS,
    rows=ROWS,
    record=record_change,
    calendar=_calendar,
    keeps_step=frozenset({"prepared"}),  # preparing leaves the deadline (or the resubmission limit) running
    acting=actions.acting,
)


async def recount_deadlines(session: AsyncSession, caller: Principal, now: datetime, year: int) -> int:
    """After a year's holiday arrangement is loaded, replaced or removed: counts again the running
    limit of every outstanding return it can move (and the return's deadline with it, while that
    limit is the deadline), each change on the return's trail. Returns how many changed."""
    calendar = await _calendar(session)
    year_start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    moved = PeriodicReturn.step_provisional | (PeriodicReturn.step_due_at >= year_start)
    query = select(PeriodicReturn).where(moved, PeriodicReturn.state.in_(OUTSTANDING))
    changed = 0
    for item in (await session.execute(query.order_by(PeriodicReturn.id).with_for_update())).scalars():
        before = item.step_due_at
        if before is None or (due := recount_step(item, calendar)) is None:
            continue
        if item.due_at == before:  # the limit running is the return's own deadline
            item.due_at, item.due_provisional = due.due_at, due.provisional
        item.updated_at = now
        change = {
            "from": item.state,
            "to": item.state,
            "step": item.step,
            "from_step_due_at": to_shanghai(before).isoformat(),
            "to_step_due_at": to_shanghai(due.due_at).isoformat(),
            "step_provisional": due.provisional,
            "calendar_year": year,
            "reason": f"{year} 年放假调休安排变更，期限重新计算",
        }
        record_change(session, item, "recount_deadline", caller, now, change)
        changed += 1
    return changed
