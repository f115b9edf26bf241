"""Hazards: reported with their supervising department, graded and driven through the lifecycle
to 销号, each step audited. Actions are fired by ``RUNNER`` (the one lifecycle runner); their
effects are in ``actions.py``, who may take them in ``authority.py``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.calendar.models import HolidayArrangement
from hazards.departments import service as departments
from hazards.departments.schemas import DepartmentRead
from hazards.enterprises import service as enterprises
from hazards.enterprises.models import Enterprise
from hazards.figures.models import HAZARD_HISTORY
from hazards.hazard import actions, schemas
from hazards.hazard.authority import CHECKS, ROWS
from hazards.hazard.events import hazard_changed, subscribers
from hazards.hazard.lifecycle import ENTERPRISE, HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard, HazardAudit
from hazards.industries.catalogue import INDUSTRY_BY_CODE
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import can_see, visible_rows
from qingling.calendar import WorkingCalendar, lateness
from qingling.clock import SHANGHAI, to_shanghai
from qingling.errors import NotFound, ValidationFailed, field_errors
from qingling.events import EventEnvelope
from qingling.holidays import working_calendar
from qingling.lifecycle import Runner, Transition, recount_step
from qingling.outbox import emit
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level
from qingling.standards import grading_errors
from qingling.tipoff_events import TipOffVerified

# A new hazard's columns before anything has happened to it (the model's own defaults).
BLANK_HAZARD: dict[str, Any] = {
    name: field.get_default(call_default_factory=True) for name, field in Hazard.model_fields.items() if name != "id"
}
STOCK_BEFORE = date(2024, 1, 1)  # hazards found before the three-year action are its starting stock


class HazardNotFound(NotFound):
    code, title = "hazard-not-found", "隐患不存在或不在您的管辖范围内"


# ---------------------------------------------------------------------------------------- report


async def report(session: AsyncSession, caller: Principal, data: schemas.HazardCreate, now: datetime) -> Hazard:
    enterprise = await _reporting_enterprise(session, caller, data.enterprise_id)
    if errors := grading_errors(data.grade, data.basis_standard, data.basis_clause, data.report, data.found_at):
        raise ValidationFailed("重大隐患的判定依据或报告内容不全", errors=errors)
    department = await supervising_department(session, enterprise, "enterprise_id")
    source = "self_report" if caller.has(*ENTERPRISE) else "inspection"
    hazard = new_hazard(enterprise, data, department, source=source, reported_by=caller.subject, now=now)
    session.add(hazard)
    await session.flush()
    trail = data.model_dump(mode="json") | {"supervising_department": department.name}
    record_change(session, hazard, "report", caller, now, trail)
    return hazard


async def from_tip_off(
    session: AsyncSession, caller: Principal, tip_off_id: str, data: schemas.TipOffHazard, now: datetime
) -> tuple[Hazard, bool]:
    """The hazard a verified tip-off became — created on the first delivery, the same one on every
    redelivery (the outbox may deliver twice). Returns the hazard and whether it was created now."""
    source_ref = f"tip_off:{tip_off_id}"
    existing = (await session.execute(select(Hazard).where(Hazard.source_ref == source_ref))).scalar_one_or_none()
    if existing is not None:
        return existing, False
    enterprise = (
        await session.execute(select(Enterprise).where(Enterprise.credit_code == data.enterprise_code))
    ).scalar_one_or_none()
    if enterprise is None:
        raise ValidationFailed.for_field("enterprise_code", f"统一社会信用代码 {data.enterprise_code} 的企业未登记")
    if errors := grading_errors(data.grade, data.basis_standard, data.basis_clause, data.report, data.found_at):
        raise ValidationFailed("重大隐患的判定依据或报告内容不全", errors=errors)
    department = await supervising_department(session, enterprise, "enterprise_code")
    reported_by = f"{caller.subject}（{data.verified_by}）"
    hazard = new_hazard(
        enterprise, data, department, source="tip_off", reported_by=reported_by, now=now, source_ref=source_ref
    )
    try:
        async with session.begin_nested():
            session.add(hazard)
    except IntegrityError:  # a concurrent delivery of the same tip-off won the race
        return (await session.execute(select(Hazard).where(Hazard.source_ref == source_ref))).scalar_one(), False
    trail = data.model_dump(mode="json") | {"tip_off_id": tip_off_id, "supervising_department": department.name}
    record_change(session, hazard, "report", caller, now, trail)
    return hazard, True


async def on_tip_off_verified(session: AsyncSession, data: TipOffVerified, envelope: EventEnvelope) -> None:
    """The reports service's outbox asks for the hazard a verified tip-off became."""
    try:
        body = schemas.TipOffHazard.model_validate(data.model_dump(exclude={"tip_off_id"}))
    except PydanticValidationError as exc:
        raise ValidationFailed("举报转隐患的内容不完整", errors=field_errors(exc.errors(), location="body")) from exc
    caller = Principal(subject=f"service:{envelope.source}", roles=frozenset({Role.SERVICE}))
    await from_tip_off(session, caller, str(data.tip_off_id), body, session.info["runtime"].clock.now())


async def supervising_department(session: AsyncSession, enterprise: Enterprise, field: str) -> DepartmentRead:
    """The department that supervises the enterprise's industry in its place, from the register:
    the place's own level, climbing town → county → city … as tip-offs are routed (towns assist,
    never lead). None in the register: the report is refused (422 on ``field``), never stored
    without an authority."""
    try:
        return (await departments.resolve(session, enterprise.region_code, enterprise.industry)).lead
    except departments.NoResponsibleDepartment:
        industry = INDUSTRY_BY_CODE[enterprise.industry].name if enterprise.industry in INDUSTRY_BY_CODE else ""
        raise ValidationFailed.for_field(
            field,
            f"{enterprise.name}所在地及其上级没有监管“{industry or enterprise.industry}”的部门，无法确定督办部门；"
            "请先由管理员补充部门设置",
        ) from None


def new_hazard(
    enterprise: Enterprise,
    data: schemas.HazardReport | schemas.TipOffHazard,
    department: DepartmentRead,
    **details: Any,
) -> Hazard:
    """A hazard of ``enterprise``, just reported: its place and industry are the enterprise's."""
    return Hazard(**hazard_values(enterprise, data, department, **details))


def hazard_values(
    enterprise: Enterprise,
    data: schemas.HazardReport | schemas.TipOffHazard,
    department: DepartmentRead,
    *,
    source: str,
    reported_by: str,
    now: datetime,
    source_ref: str | None = None,
) -> dict[str, Any]:
    """Every column of a newly reported hazard but its id — as bulk inserts take them."""
    return BLANK_HAZARD | dict(
        source=source,
        source_ref=source_ref,
        enterprise_id=enterprise.id,
        enterprise_code=enterprise.credit_code,
        region_code=enterprise.region_code,
        industry=enterprise.industry,
        title=data.title,
        description=data.description,
        grade=data.grade,
        basis_standard=data.basis_standard,
        basis_clause=data.basis_clause,
        tags=list(data.tags),
        found_at=data.found_at,
        pre_2024_stock=to_shanghai(data.found_at).date() < STOCK_BEFORE,
        reported_by=reported_by,
        state=HAZARD_LIFECYCLE.initial,
        details=schemas.HazardDetails(report=data.report),
        supervising_department_id=department.id,
        supervising_region_code=department.region_code,
        supervising_kind=department.kind,
        supervising_name=department.name,
        created_at=now,
        updated_at=now,
    )


async def _reporting_enterprise(session: AsyncSession, caller: Principal, enterprise_id: int | None) -> Enterprise:
    if caller.has(*ENTERPRISE):
        query = select(Enterprise).where(Enterprise.credit_code == caller.enterprise_code)
        enterprise = (await session.execute(query)).scalar_one_or_none()
        if enterprise is None or enterprise_id not in (None, enterprise.id):
            raise ValidationFailed.for_field("enterprise_id", "企业只能上报本企业的隐患")
        return enterprise
    if enterprise_id is None:
        raise ValidationFailed.for_field("enterprise_id", "检查发现的隐患须注明所属企业")
    try:
        return await enterprises.get(session, caller, enterprise_id)
    except enterprises.EnterpriseNotFound:
        raise ValidationFailed.for_field("enterprise_id", f"企业 {enterprise_id} 不存在或不在您的管辖范围内") from None


# ----------------------------------------------------------------------------------------- read


async def get(session: AsyncSession, caller: Principal, hazard_id: int, *, for_update: bool = False) -> Hazard:
    hazard = await session.get(Hazard, hazard_id, with_for_update=for_update)
    if hazard is None or not can_see(caller, region_code=hazard.region_code, enterprise_code=hazard.enterprise_code):
        raise HazardNotFound()
    return hazard


async def page(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    now: datetime,
    *,
    region_prefix: str | None = None,
    state: str | None = None,
    grade: str | None = None,
    source: str | None = None,
    industry: str | None = None,
    enterprise_id: int | None = None,
    overdue: bool | None = None,
    deadline_after: datetime | None = None,
    deadline_before: datetime | None = None,
    department_id: int | None = None,
    lister_level: Level | None = None,
    pre_2024_stock: bool | None = None,
    closed_after: datetime | None = None,
    closed_before: datetime | None = None,
    listed_from: date | None = None,
    listed_to: date | None = None,
    step_due_after: datetime | None = None,
    step_due_before: datetime | None = None,
    actionable: bool = False,
) -> list[Hazard]:
    """``actionable``: only those on which the caller may take an action now (``allowed_actions``)."""
    query = select(Hazard).where(visible_rows(caller, Hazard.region_code, Hazard.enterprise_code))
    if actionable:
        query = query.where(RUNNER.actionable(caller, Hazard.state))
    filters = {
        Hazard.state: state,
        Hazard.grade: grade,
        Hazard.source: source,
        Hazard.industry: industry,
        Hazard.enterprise_id: enterprise_id,
        Hazard.supervising_department_id: department_id,
        Hazard.pre_2024_stock: pre_2024_stock,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if region_prefix:
        query = query.where(Hazard.region_code.startswith(region_prefix))
    # Windows: from a moment (included) to a moment (excluded); listing dates both included.
    windows = (
        (Hazard.deadline_at, deadline_after, deadline_before),
        (Hazard.closed_at, closed_after, closed_before),
        (Hazard.step_due_at, step_due_after, step_due_before),
    )
    for column, start, end in windows:
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column < end)
    if closed_after is not None or closed_before is not None:
        query = query.where(Hazard.state == "closed")  # a rejected hazard has a closed_at too; it was never 销号
    if listed_from is not None:
        query = query.where(Hazard.listed_on >= listed_from)
    if listed_to is not None:
        query = query.where(Hazard.listed_on <= listed_to)
    if lister_level is not None:
        query = query.where(_listed_at(lister_level))
    if overdue is not None:
        open_ = Hazard.state.not_in(HAZARD_LIFECYCLE.final)
        late = open_ & (Hazard.deadline_at < now.replace(microsecond=0))
        query = query.where(late if overdue else ~late | Hazard.deadline_at.is_(None))
    return await fetch_page(session, query, Hazard.id, params)


async def gauges(session: AsyncSession, now: datetime, calendar: WorkingCalendar) -> dict[str, tuple[str, float]]:
    """What an operator alerts on: deadlines counted without the year's holiday notice, and
    hazards past their deadline."""
    open_ = Hazard.state.not_in(HAZARD_LIFECYCLE.final)
    provisional = await session.scalar(select(func.count()).where(open_, Hazard.deadline_provisional))
    overdue = await session.scalar(select(func.count()).where(open_, Hazard.deadline_at < now.replace(microsecond=0)))
    next_year = now.astimezone(SHANGHAI).year + 1
    return {
        "qingling_provisional_deadlines": (
            "Open hazards whose deadline is provisional (counted by statutory holidays, the notice not loaded)",
            provisional,
        ),
        "qingling_overdue_hazards": ("Open hazards past their rectification deadline", overdue),
        "qingling_calendar_next_year_unknown": (
            "1 while next year's State Council holiday arrangement is not loaded",
            float(not calendar.is_known(next_year)),
        ),
    }


def _listed_at(level: Level) -> Any:
    """Hazards listed by an authority of ``level`` (read off the lister's region code)."""
    code = Hazard.lister_region_code
    nation, province, city = code == "000000", code.like("__0000"), code.like("____00")
    return {
        Level.NATION: nation,
        Level.PROVINCE: province & ~nation,
        Level.CITY: city & ~province,
        Level.COUNTY: code.is_not(None) & ~city & (func.length(code) == 6),
        Level.TOWN: func.length(code) == 9,
    }[level]


def to_read(hazard: Hazard, caller: Principal, now: datetime) -> schemas.HazardRead:
    open_ = hazard.state not in HAZARD_LIFECYCLE.final
    supervising = (
        {"id": hazard.supervising_department_id, "region_code": hazard.supervising_region_code,
         "kind": hazard.supervising_kind, "name": hazard.supervising_name}
        if hazard.supervising_department_id is not None else None
    )  # fmt: skip
    lister = (
        {"region_code": hazard.lister_region_code, "kind": hazard.lister_kind, "name": hazard.lister_name}
        if hazard.lister_kind is not None else None
    )  # fmt: skip
    check = (
        {"by": hazard.close_out_checked_by, "department": hazard.close_out_checked_department,
         "at": hazard.close_out_checked_at}
        if hazard.close_out_checked_at is not None else None
    )  # fmt: skip
    return schemas.HazardRead.model_validate(
        {
            **hazard.model_dump(),
            "state_title": HAZARD_LIFECYCLE.states[hazard.state],
            "allowed_actions": RUNNER.allowed_for(hazard, caller),
            "supervising_department": supervising,
            "lister": lister,
            "close_out_check": check,
            **lateness(now, hazard.deadline_at, hazard.step_due_at, open_=open_),
        }
    )


async def history(session: AsyncSession, caller: Principal, hazard_id: int) -> list[HazardAudit]:
    await get(session, caller, hazard_id)
    return await audit.trail(session, HazardAudit, hazard_id)


async def verify(session: AsyncSession, caller: Principal, hazard_id: int) -> audit.Verification:
    hazard = await get(session, caller, hazard_id)
    return audit.verify(await history(session, caller, hazard_id), hazard.head)


# -------------------------------------------------------------------------------------- actions


async def act(
    session: AsyncSession,
    runtime: Any,
    caller: Principal,
    hazard_id: int,
    transition: Transition,
    payload: BaseModel | None,
    now: datetime,
) -> Hazard:
    """Fires one action on a hazard the caller can see (404 otherwise)."""
    hazard = await get(session, caller, hazard_id, for_update=True)
    return await RUNNER.fire(session, runtime, hazard, caller, transition.action, payload, now)


def record_change(
    session: AsyncSession, hazard: Hazard, action: str, caller: Principal, now: datetime, payload
) -> None:
    """Appends the change to the hazard's trail, opens its new version for the figures as of any
    moment (``figures.models``) and publishes the hazard's new state — all in the transaction of
    the change itself."""
    entry = audit.trail_entry(
        HazardAudit, hazard.id, hazard.head, action=action, actor=caller, at=now, payload=payload,
        reason=payload.get("reason"),
    )  # fmt: skip
    session.add(entry)
    hazard.audit_seq, hazard.audit_head = entry.seq, entry.hash
    HAZARD_HISTORY.record(session, hazard, at=now)
    closed = hazard.state in HAZARD_LIFECYCLE.final
    event = hazard_changed(hazard.model_dump(), action, payload.get("from"), closed)
    emit(session, event, subject=f"hazard/{hazard.id}", to=subscribers(hazard.source))


async def _calendar(session: AsyncSession) -> WorkingCalendar:
    return await working_calendar(session, HolidayArrangement)


RUNNER: Runner[Hazard] = Runner(
    HAZARD_LIFECYCLE,
    effects=actions.EFFECTS,
    authorities=CHECKS,
    rows=ROWS,
    record=record_change,
    calendar=_calendar,
    acting=actions.acting,
)


async def recount_deadlines(session: AsyncSession, caller: Principal, now: datetime, year: int) -> int:
    """After a year's holiday arrangement is loaded, replaced or removed: counts again every open
    time limit the year can move — the rectification deadline and the next step's limit, those
    provisional for want of a notice and those running into or through the year — and puts each
    change on the hazard's trail. A deadline the lister set as a date stays as set. Returns how
    many hazards changed."""
    calendar = await working_calendar(session, HolidayArrangement)
    year_start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    reaches_year = or_(Hazard.deadline_at >= year_start, Hazard.step_due_at >= year_start)
    moved = or_(Hazard.deadline_provisional, Hazard.step_provisional, reaches_year)
    query = select(Hazard).where(moved, Hazard.state.not_in(HAZARD_LIFECYCLE.final))
    changed = 0
    for hazard in (await session.execute(query.order_by(Hazard.id).with_for_update())).scalars():
        change = _recount_deadline(hazard, calendar, year)
        step_before = hazard.step_due_at
        if (step_due := recount_step(hazard, calendar)) is not None:
            change |= {
                "step": hazard.step,
                "from_step_due_at": to_shanghai(step_before).isoformat(),
                "to_step_due_at": to_shanghai(step_due.due_at).isoformat(),
                "step_provisional": step_due.provisional,
            }
        if not change:
            continue
        hazard.updated_at = now
        change |= {"calendar_year": year, "reason": f"{year} 年放假调休安排变更，期限重新计算"}
        record_change(session, hazard, "recount_deadline", caller, now, change)
        changed += 1
    return changed


def _recount_deadline(hazard: Hazard, calendar: WorkingCalendar, year: int) -> dict[str, Any]:
    """The rectification deadline counted again, when it was counted from a time limit."""
    basis = hazard.details.deadline_basis
    if basis is None or basis.start.astimezone(SHANGHAI).year > year:
        return {}
    due = basis.count(calendar)
    if (due.due_at, due.provisional) == (hazard.deadline_at, hazard.deadline_provisional):
        return {}
    before = hazard.deadline_at
    if hazard.original_deadline_at == before:
        hazard.original_deadline_at = due.due_at
    hazard.deadline_at, hazard.deadline_provisional = due.due_at, due.provisional
    return {
        "from_deadline": to_shanghai(before).isoformat(),
        "to_deadline": to_shanghai(due.due_at).isoformat(),
        "provisional": due.provisional,
    }
