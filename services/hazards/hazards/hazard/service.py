"""Hazards: reported, graded and driven through the lifecycle to 销号, each step audited."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.calendar.models import HolidayArrangement
from hazards.departments.models import Department
from hazards.enterprises import service as enterprises
from hazards.enterprises.models import Enterprise
from hazards.hazard import schemas
from hazards.hazard.events import hazard_changed, subscribers
from hazards.hazard.lifecycle import ENTERPRISE, HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard, HazardAudit
from hazards.standards.catalogue import check_basis
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import can_see, visible_rows
from qingling.calendar import Unit, WorkingCalendar, end_of_day, lateness
from qingling.clock import SHANGHAI, to_shanghai
from qingling.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed, field_errors
from qingling.events import EventEnvelope
from qingling.holidays import working_calendar
from qingling.lifecycle import Transition
from qingling.outbox import emit
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level
from qingling.tipoff_events import TipOffVerified

# A new hazard's columns before anything has happened to it (the model's own defaults).
BLANK_HAZARD: dict[str, Any] = {
    name: field.get_default(call_default_factory=True) for name, field in Hazard.model_fields.items() if name != "id"
}
STOCK_BEFORE = date(2024, 1, 1)  # hazards found before the three-year action are its starting stock
ENTERPRISE_REPORTING_WINDOW = 20  # 工作日 before the deadline within which an extension is asked for


class HazardNotFound(NotFound):
    code, title = "hazard-not-found", "隐患不存在或不在您的管辖范围内"


class GradeMismatch(Conflict):
    code, title = "grade-mismatch", "该操作不适用于此等级的隐患"


class ListerOnly(Forbidden):
    code, title = "lister-only", "只有挂牌督办机关才能进行此操作"


class ListingLevelTooLow(Forbidden):
    code, title = "listing-level-too-low", "挂牌督办须由县级及以上部门进行"


class NoticeNoTaken(Conflict):
    code, title = "notice-no-taken", "该督办文号本年度已被本机关使用"


# ---------------------------------------------------------------------------------------- report


def grading_errors(
    grade: str,
    basis_standard: str | None,
    basis_clause: str | None,
    report: Any,
    found_at: datetime,
    prefix: str = "",
) -> list[FieldError]:
    """A major hazard cites a standard in force on the day it was found, a clause, and its report."""
    if grade != "major":
        return []
    errors = []
    found_on = to_shanghai(found_at).date()
    if not basis_standard:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_standard", message="重大隐患须注明判定标准"))
    elif (problem := check_basis(basis_standard, found_on)) is not None:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_standard", message=problem))
    if not basis_clause:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_clause", message="重大隐患须注明判定条款"))
    if report is None:
        errors.append(
            FieldError(
                location="body", field=f"{prefix}/report", message="重大隐患须报告现状与原因、危害程度、治理方案"
            )
        )
    return errors


async def report(session: AsyncSession, caller: Principal, data: schemas.HazardCreate, now: datetime) -> Hazard:
    enterprise = await _reporting_enterprise(session, caller, data.enterprise_id)
    if errors := grading_errors(data.grade, data.basis_standard, data.basis_clause, data.report, data.found_at):
        raise ValidationFailed("重大隐患的判定依据或报告内容不全", errors=errors)
    source = "self_report" if caller.has(*ENTERPRISE) else "inspection"
    hazard = new_hazard(enterprise, data, source=source, reported_by=caller.subject, now=now)
    session.add(hazard)
    await session.flush()
    record_change(session, hazard, "report", caller, now, data.model_dump(mode="json"))
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
    reported_by = f"{caller.subject}（{data.verified_by}）"
    hazard = new_hazard(enterprise, data, source="tip_off", reported_by=reported_by, now=now, source_ref=source_ref)
    try:
        async with session.begin_nested():
            session.add(hazard)
    except IntegrityError:  # a concurrent delivery of the same tip-off won the race
        return (await session.execute(select(Hazard).where(Hazard.source_ref == source_ref))).scalar_one(), False
    record_change(session, hazard, "report", caller, now, data.model_dump(mode="json") | {"tip_off_id": tip_off_id})
    return hazard, True


async def on_tip_off_verified(session: AsyncSession, data: TipOffVerified, envelope: EventEnvelope) -> None:
    """The reports service's outbox asks for the hazard a verified tip-off became."""
    try:
        body = schemas.TipOffHazard.model_validate(data.model_dump(exclude={"tip_off_id"}))
    except PydanticValidationError as exc:
        raise ValidationFailed("举报转隐患的内容不完整", errors=field_errors(exc.errors(), location="body")) from exc
    caller = Principal(subject=f"service:{envelope.source}", roles=frozenset({Role.SERVICE}))
    await from_tip_off(session, caller, str(data.tip_off_id), body, session.info["runtime"].clock.now())


def new_hazard(enterprise: Enterprise, data: schemas.HazardReport | schemas.TipOffHazard, **details: Any) -> Hazard:
    """A hazard of ``enterprise``, just reported: its place and industry are the enterprise's."""
    return Hazard(**hazard_values(enterprise, data, **details))


def hazard_values(
    enterprise: Enterprise,
    data: schemas.HazardReport | schemas.TipOffHazard,
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
        details={"report": data.report.model_dump(mode="json")} if data.report else {},
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
) -> list[Hazard]:
    query = select(Hazard).where(visible_rows(caller, Hazard.region_code, Hazard.enterprise_code))
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
    if deadline_after is not None:
        query = query.where(Hazard.deadline_at >= deadline_after)
    if deadline_before is not None:
        query = query.where(Hazard.deadline_at < deadline_before)
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
        "qingling_provisional_deadlines": ("Open hazards whose deadline is counted Monday-Friday", provisional),
        "qingling_overdue_hazards": ("Open hazards past their rectification deadline", overdue),
        "qingling_calendar_next_year_unknown": (
            "1 while next year's State Council holiday arrangement is not loaded",
            float(not calendar.is_known(next_year)),
        ),
    }


def _listed_at(level: Level) -> Any:
    """Hazards listed by an authority of ``level`` (read off the lister's region code)."""
    code = Hazard.lister_region_code
    province, city = code.like("__0000"), code.like("____00")
    return {
        Level.PROVINCE: province,
        Level.CITY: city & ~province,
        Level.COUNTY: code.is_not(None) & ~city & (func.length(code) == 6),
        Level.TOWN: func.length(code) == 9,
    }[level]


def to_read(hazard: Hazard, now: datetime) -> schemas.HazardRead:
    open_ = hazard.state not in HAZARD_LIFECYCLE.final
    return schemas.HazardRead.model_validate(
        {
            **hazard.model_dump(),
            "state_title": HAZARD_LIFECYCLE.states[hazard.state],
            "allowed_actions": [t.action for t in HAZARD_LIFECYCLE.allowed(hazard.state)],
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


@dataclass
class Step:
    session: AsyncSession
    hazard: Hazard
    caller: Principal
    payload: Any
    now: datetime
    calendar: WorkingCalendar

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()


Effect = Callable[[Step], Awaitable[dict[str, Any] | None]]


async def act(
    session: AsyncSession, caller: Principal, hazard_id: int, transition: Transition, payload: BaseModel | None, now
) -> Hazard:
    """Fires one action of the lifecycle: checks state, role and scope, applies the action's
    effect, moves the state, sets the time limit the action starts, and appends to the trail."""
    hazard = await get(session, caller, hazard_id, for_update=True)
    transition = HAZARD_LIFECYCLE.check(hazard.state, transition.action, caller)
    step = Step(session, hazard, caller, payload, now, await working_calendar(session, HolidayArrangement))
    extra = await EFFECTS[transition.action](step) if transition.action in EFFECTS else None
    before = hazard.state
    hazard.state = transition.next_state(before)
    if transition.limit is not None:
        due = step.calendar.deadline(now, transition.limit.amount, transition.limit.unit)
        hazard.step, hazard.step_due_at = transition.limit.what, due.due_at
    elif hazard.state != before:
        hazard.step, hazard.step_due_at = None, None
    if hazard.state in HAZARD_LIFECYCLE.final:
        hazard.closed_at = now
    hazard.updated_at = now
    body = payload.model_dump(mode="json") if payload is not None else {}
    record_change(
        session, hazard, transition.action, caller, now, {"from": before, "to": hazard.state, **body, **(extra or {})}
    )
    return hazard


def record_change(
    session: AsyncSession, hazard: Hazard, action: str, caller: Principal, now: datetime, payload
) -> None:
    """Appends the change to the hazard's trail and publishes the hazard's new state — both in
    the transaction of the change itself."""
    entry = audit.trail_entry(
        HazardAudit, hazard.id, hazard.head, action=action, actor=caller, at=now, payload=payload,
        reason=payload.get("reason"),
    )  # fmt: skip
    session.add(entry)
    hazard.audit_seq, hazard.audit_head = entry.seq, entry.hash
    closed = hazard.state in HAZARD_LIFECYCLE.final
    event = hazard_changed(hazard.model_dump(), action, payload.get("from"), closed)
    emit(session, event, subject=f"hazard/{hazard.id}", to=subscribers(hazard.source))


async def recount_provisional_deadlines(session: AsyncSession, caller: Principal, now: datetime) -> int:
    """After a year's holiday arrangement is loaded: counts again every open deadline that was
    counted Monday–Friday for want of it, and records the change. Returns how many changed."""
    calendar = await working_calendar(session, HolidayArrangement)
    query = select(Hazard).where(Hazard.deadline_provisional, Hazard.state.not_in(HAZARD_LIFECYCLE.final))
    changed = 0
    for hazard in (await session.execute(query.with_for_update())).scalars():
        basis = hazard.details.get("deadline_basis")
        if basis is None:
            continue
        due = calendar.deadline(datetime.fromisoformat(basis["start"]), basis["amount"], Unit(basis["unit"]))
        if (due.due_at, due.provisional) == (hazard.deadline_at, hazard.deadline_provisional):
            continue
        before = hazard.deadline_at
        if hazard.original_deadline_at == before:
            hazard.original_deadline_at = due.due_at
        hazard.deadline_at, hazard.deadline_provisional, hazard.updated_at = due.due_at, due.provisional, now
        payload = {
            "from_deadline": before.isoformat(),
            "to_deadline": due.due_at.isoformat(),
            "provisional": due.provisional,
        }
        record_change(session, hazard, "recount_deadline", caller, now, payload)
        changed += 1
    return changed


def _set_deadline(hazard: Hazard, due_at: datetime, provisional: bool = False) -> None:
    hazard.original_deadline_at = hazard.original_deadline_at or due_at
    hazard.deadline_at, hazard.deadline_provisional = due_at, provisional


def _require_grade(hazard: Hazard, grade: str, action: str) -> None:
    if hazard.grade != grade:
        wanted = "一般" if grade == "general" else "重大"
        raise GradeMismatch(
            f"“{action}”只适用于{wanted}隐患，此隐患为{'重大' if hazard.grade == 'major' else '一般'}隐患"
        )


def _require_lister(step: Step, action: str) -> None:
    """Decisions on a listed hazard belong to the authority that listed it (挂牌机关)."""
    if step.hazard.lister_region_code is not None and step.caller.region_code != step.hazard.lister_region_code:
        raise ListerOnly(f"{action}须由挂牌督办机关（{step.hazard.lister_region_code}）作出")


async def _regrade(step: Step) -> dict[str, Any]:
    data: schemas.Regrade = step.payload
    errors = grading_errors(
        data.grade, data.basis_standard, data.basis_clause, step.hazard.details.get("report"), step.hazard.found_at
    )
    if errors:
        raise ValidationFailed("调整为重大隐患须有判定依据和报告内容", errors=errors)
    previous = step.hazard.grade
    step.hazard.grade, step.hazard.basis_standard, step.hazard.basis_clause = (
        data.grade, data.basis_standard, data.basis_clause,
    )  # fmt: skip
    return {"previous_grade": previous}


async def _resubmit(step: Step) -> None:
    data: schemas.Correction = step.payload
    if data.description:
        step.hazard.description = data.description
    if data.report:
        step.hazard.details = {**step.hazard.details, "report": data.report.model_dump(mode="json")}


async def _accept_general(step: Step) -> dict[str, Any]:
    _require_grade(step.hazard, "general", "受理一般隐患")
    order: schemas.GeneralOrder = step.payload
    own_department = select(Department).where(
        Department.region_code == step.caller.region_code, Department.kind == step.caller.department
    )
    _supervise(step.hazard, (await step.session.execute(own_department)).scalar_one_or_none())
    if order.deadline is not None:
        if order.deadline <= step.today:
            raise ValidationFailed.for_field("deadline", "整改期限应晚于今天")
        _set_deadline(step.hazard, end_of_day(order.deadline))
    else:
        basis = {"start": step.now.isoformat(), "amount": 30, "unit": Unit.CALENDAR_DAYS}
        due = step.calendar.deadline(step.now, basis["amount"], basis["unit"])
        _set_deadline(step.hazard, due.due_at, due.provisional)
        step.hazard.details = {**step.hazard.details, "deadline_basis": basis}
    step.hazard.details = {**step.hazard.details, "order": order.model_dump(mode="json")}
    return {"deadline_at": step.hazard.deadline_at.isoformat()}


def _supervise(hazard: Hazard, department: Department | None) -> None:
    """Names the supervising department — its place and kind too, so that notify can address it."""
    hazard.supervising_department_id = department.id if department else None
    supervision = {"id": department.id, "region_code": department.region_code, "kind": department.kind,
                   "name": department.name} if department else None  # fmt: skip
    hazard.details = {**hazard.details, "supervision": supervision}


async def _confirm_major(step: Step) -> None:
    _require_grade(step.hazard, "major", "确认重大隐患")
    step.hazard.details = {**step.hazard.details, "confirmation": step.payload.model_dump(mode="json")}


async def _list(step: Step) -> dict[str, Any]:
    listing: schemas.Listing = step.payload
    caller, hazard = step.caller, step.hazard
    if caller.level in (None, Level.TOWN):
        raise ListingLevelTooLow()
    if not step.today - timedelta(days=30) <= listing.listed_on <= step.today:
        raise ValidationFailed.for_field("listed_on", "挂牌日期应为今天或近 30 日内")
    if not listing.listed_on < listing.deadline <= listing.listed_on.replace(year=listing.listed_on.year + 1):
        raise ValidationFailed.for_field("deadline", "整改期限应在挂牌之日后、一年之内")
    department = await step.session.get(Department, listing.supervising_department_id)
    if department is None or not can_see(caller, region_code=department.region_code, enterprise_code=None):
        raise ValidationFailed.for_field("supervising_department_id", "督办部门不存在或不在您的管辖范围内")
    year = int(re.match(r"^〔(\d{4})〕", listing.notice_no)[1])
    taken = select(Hazard.id).where(
        Hazard.lister_region_code == caller.region_code,
        Hazard.notice_year == year,
        Hazard.notice_no == listing.notice_no,
    )
    if (await step.session.execute(taken)).first() is not None:
        raise NoticeNoTaken(f"{listing.notice_no} 已用于本机关的其他挂牌督办")
    hazard.lister_region_code, hazard.notice_year, hazard.notice_no = caller.region_code, year, listing.notice_no
    _supervise(hazard, department)
    _set_deadline(hazard, end_of_day(listing.deadline))
    hazard.details = {**hazard.details, "listing": listing.model_dump(mode="json") | {"lister": caller.subject}}
    try:
        async with step.session.begin_nested():
            await step.session.flush()
    except IntegrityError:  # a concurrent listing took the number first
        raise NoticeNoTaken(f"{listing.notice_no} 已用于本机关的其他挂牌督办") from None
    return {"deadline_at": hazard.deadline_at.isoformat()}


async def _keep(step: Step, key: str) -> None:
    step.hazard.details = {**step.hazard.details, key: step.payload.model_dump(mode="json")}


async def _suspend(step: Step) -> None:
    if step.hazard.production_suspended:
        raise Conflict("已处于停产停业治理状态")
    step.hazard.production_suspended, step.hazard.suspended_at = True, step.now


async def _resume(step: Step) -> dict[str, Any]:
    hazard = step.hazard
    if not hazard.production_suspended:
        raise Conflict("并未处于停产停业治理状态")
    paused = (step.today - hazard.suspended_at.astimezone(SHANGHAI).date()).days
    if hazard.deadline_at is not None and paused > 0:
        hazard.deadline_at += timedelta(days=paused)  # the clock stood still while production was stopped
    hazard.production_suspended, hazard.suspended_at = False, None
    return {"paused_days": paused}


async def _request_extension(step: Step) -> dict[str, Any]:
    request: schemas.ExtensionRequest = step.payload
    current = step.hazard.deadline_at.astimezone(SHANGHAI).date()
    if request.requested_deadline <= current:
        raise ValidationFailed.for_field("requested_deadline", f"申请延至的日期应晚于现行期限 {current.isoformat()}")
    window_opens, _ = step.calendar.add_working_days(step.today, ENTERPRISE_REPORTING_WINDOW)
    in_window = step.today <= current <= window_opens
    step.hazard.details = {
        **step.hazard.details,
        "extension": request.model_dump(mode="json") | {"in_window": in_window, "requested_at": step.now.isoformat()},
    }
    return {"in_window": in_window}


async def _decide_extension(step: Step, granted: bool) -> dict[str, Any]:
    _require_lister(step, "延期决定")
    extension = dict(step.hazard.details.get("extension", {}))
    extension |= {"granted": granted, "decision": step.payload.reason, "decided_at": step.now.isoformat()}
    if granted:
        _set_deadline(step.hazard, end_of_day(date.fromisoformat(extension["requested_deadline"])))
    step.hazard.details = {**step.hazard.details, "extension": extension}
    return {"deadline_at": step.hazard.deadline_at.isoformat()}


async def _close(step: Step) -> None:
    _require_lister(step, "销号")
    await _keep(step, "close_out")


async def _grant(step: Step) -> dict[str, Any]:
    return await _decide_extension(step, True)


async def _refuse(step: Step) -> dict[str, Any]:
    return await _decide_extension(step, False)


def _keeping(key: str) -> Effect:
    async def effect(step: Step) -> None:
        await _keep(step, key)

    return effect


EFFECTS: dict[str, Effect] = {
    "regrade": _regrade,
    "resubmit": _resubmit,
    "return_for_correction": _keeping("returned"),
    "reject": _keeping("rejection"),
    "accept_general": _accept_general,
    "confirm_major": _confirm_major,
    "list": _list,
    "submit_plan": _keeping("plan"),
    "return_plan": _keeping("plan_returned"),
    "report_progress": _keeping("progress"),
    "suspend_production": _suspend,
    "resume_production": _resume,
    "request_extension": _request_extension,
    "grant_extension": _grant,
    "refuse_extension": _refuse,
    "apply_completion": _keeping("completion"),
    "pass_review": _keeping("review"),
    "fail_review": _keeping("review"),
    "close": _close,
}
