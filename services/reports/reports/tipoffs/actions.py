"""The handlers' (and, for an objection, the reporter's) actions on a tip-off: one effect per
action of the lifecycle declared in ``lifecycle.py``, run by ``act`` inside the action's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.calendar import WorkingCalendar
from qingling.errors import Conflict, FieldError, ValidationFailed
from qingling.holidays import working_calendar
from qingling.lifecycle import Transition
from qingling.outbox import emit
from qingling.regions import Level, is_above
from qingling.runtime import Runtime
from qingling.tipoff_events import TipOffVerified
from reports.calendar import HolidayArrangement
from reports.duplicates.service import merged_into
from reports.tipoffs import routing, schemas
from reports.tipoffs.lifecycle import OBJECTION_DAYS, TIMED_STATES, TIP_OFF_LIFECYCLE, VERIFICATION_LIMIT
from reports.tipoffs.models import TipOff
from reports.tipoffs.redaction import redact
from reports.tipoffs.service import (
    ACCEPTED_STATES,
    AlreadyExtended,
    FindingIncomplete,
    LeadDepartmentOnly,
    LevelAboveOnly,
    RefusalGroundNotApplicable,
    RegisterDown,
    TakeOverNotAllowed,
    get,
    in_lead_department,
    objection_due,
    record_change,
    reporter_details,
    tell_reporter,
    visible,
)

# A later report may join a matter still in hand, up to its re-examination.
MERGEABLE_INTO = frozenset(
    {"received", "signed", "verifying", "extension_requested", "concluded", "replied", "objected", "re_examined"}
)


class CannotMerge(ValidationFailed):
    code, title = "cannot-merge", "不能并入这件举报"


class AlreadyObjected(Conflict):
    code, title = "already-objected", "对答复只能提出一次异议"


class ObjectionPeriodOver(Conflict):
    code, title = "objection-period-over", "已超过提出异议的期限"


@dataclass
class Step:
    session: AsyncSession
    runtime: Runtime
    tip_off: TipOff
    caller: Principal
    payload: Any
    now: datetime
    calendar: WorkingCalendar
    notice: str = ""  # the handler's words added to what the reporter is told


Effect = Callable[[Step], Awaitable[dict[str, Any] | None]]


async def act(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    tip_off_id: int,
    transition: Transition,
    payload: BaseModel | None,
    now: datetime,
) -> TipOff:
    """Fires one action of the lifecycle: checks state, role and scope, applies its effect, moves
    the state and its time limit, tells the reporter, and appends to the trail."""
    if caller == RECEIPT_HOLDER:  # the receipt proved the holder's claim to this one tip-off
        tip_off = await session.get(TipOff, tip_off_id, with_for_update=True)
    else:
        tip_off = await get(session, caller, tip_off_id, for_update=True)
    transition = TIP_OFF_LIFECYCLE.check(tip_off.state, transition.action, caller)
    if payload is not None:  # a handler's words never carry the reporter onward
        payload = type(payload).model_validate(
            _redacted(payload.model_dump(), await reporter_details(runtime, session, tip_off))
        )
    step = Step(session, runtime, tip_off, caller, payload, now, await working_calendar(session, HolidayArrangement))
    extra = await EFFECTS[transition.action](step) if transition.action in EFFECTS else None
    before = tip_off.state
    tip_off.state = transition.next_state(before)
    if transition.limit is not None:
        due = step.calendar.deadline(now, transition.limit.amount, transition.limit.unit)
        tip_off.step, tip_off.step_due_at = transition.limit.what, due.due_at
    elif tip_off.state not in TIMED_STATES:
        tip_off.step, tip_off.step_due_at = None, None
    tip_off.closed_at = now if tip_off.state in TIP_OFF_LIFECYCLE.final else None  # an objection reopens
    tip_off.updated_at = now
    body = payload.model_dump(mode="json") if payload is not None else {}
    await tell_reporter(session, tip_off, transition.action, now, step.notice)
    record_change(
        session, tip_off, transition.action, caller, now, {"from": before, "to": tip_off.state, **body, **(extra or {})}
    )
    return tip_off


def _redacted(value: Any, known: list[str | None]) -> Any:
    if isinstance(value, str):
        return redact(value, known)
    if isinstance(value, dict):
        return {key: _redacted(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, known) for item in value]
    return value


def _require_lead(step: Step) -> None:
    if not in_lead_department(step.caller, step.tip_off):
        lead = step.tip_off.lead_department or "（尚未确定主办部门）"
        raise LeadDepartmentOnly(f"这件举报由{lead}主办")


def _require_level_above(step: Step) -> None:
    lead_region = step.tip_off.lead_region_code
    if not (step.caller.region_code and lead_region and is_above(step.caller.region_code, lead_region)):
        raise LevelAboveOnly(f"这件举报由{step.tip_off.lead_department}主办，须由其上一级部门决定")


async def _sign(step: Step) -> dict[str, Any]:
    _require_lead(step)
    return {"department": step.tip_off.lead_department}


async def _transfer(step: Step) -> dict[str, Any]:
    tip_off, body = step.tip_off, step.payload
    if not (in_lead_department(step.caller, tip_off) or step.caller.covers(tip_off.region_code)):
        raise LeadDepartmentOnly("只有主办部门或辖区的上级部门可以转办")
    region_code = body.region_code or tip_off.region_code
    try:
        route = await routing.resolve(step.session, step.runtime, region_code, body.industry)
    except routing.RegisterUnavailable:
        raise RegisterDown() from None
    if route is None:
        raise ValidationFailed.for_field("industry", "该地区及其上级没有监管这一行业的部门")
    previous = tip_off.lead_department
    tip_off.region_code, tip_off.industry = region_code, body.industry
    routing.apply(tip_off, route)
    return {"from_department": previous, "to_department": route.lead_department}


async def _take_over(step: Step) -> dict[str, Any]:
    caller, tip_off = step.caller, step.tip_off
    if caller.level not in (Level.PROVINCE, Level.CITY) or not caller.covers(tip_off.region_code):
        raise TakeOverNotAllowed()
    try:
        route = await routing.department_of(step.session, step.runtime, caller.region_code, caller.department or "")
    except routing.RegisterUnavailable:
        raise RegisterDown() from None
    if route is None:
        raise TakeOverNotAllowed("名录中没有您所在的部门，请联系管理员")
    previous = tip_off.lead_department
    routing.apply(tip_off, route)
    return {"from_department": previous, "to_department": route.lead_department}


async def _merge(step: Step) -> dict[str, Any]:
    """Another report of a matter in hand joins it: the case's lead department takes it in; its
    reporter keeps the receipt and is told what the case's reporters are told."""
    tip_off, session = step.tip_off, step.session
    case = None
    if step.payload.into != tip_off.id:
        case = (
            await session.execute(
                select(TipOff).where(TipOff.id == step.payload.into, visible(step.caller)).with_for_update()
            )
        ).scalar_one_or_none()
    if case is None or case.state not in MERGEABLE_INTO:
        raise CannotMerge(
            "只能并入本辖区内尚在办理的另一件举报",
            errors=[FieldError(location="body", field="/into", message="须为尚在办理的另一件举报的编号")],
        )
    if not in_lead_department(step.caller, case):
        raise LeadDepartmentOnly(f"并案由所并入举报的主办部门（{case.lead_department}）进行")
    tip_off.duplicate_of = case.id
    joined = await session.execute(select(TipOff).where(TipOff.duplicate_of == tip_off.id, TipOff.state == "merged"))
    for earlier in joined.scalars():  # what was merged into this one follows it into the case
        earlier.duplicate_of = case.id
    group = [case, *(await merged_into(session, case)), tip_off]
    first = min(group, key=lambda t: (t.received_at, t.id))
    case.details = {**case.details, "first_reported": {"tip_off_id": first.id, "at": first.received_at.isoformat()}}
    case.updated_at = step.now
    record_change(session, case, "merged_in", step.caller, step.now, {"tip_off_id": tip_off.id, "first": first.id})
    return {"into": case.id, "first_reported": first.id}


async def _accept(step: Step) -> dict[str, Any]:
    _require_lead(step)
    tip_off = step.tip_off
    accepted_by = {"id": tip_off.lead_department_id, "name": tip_off.lead_department}  # 谁受理谁奖励
    tip_off.details = {**tip_off.details, "accepted_at": step.now.isoformat(), "accepted_by": accepted_by}
    return {"department": tip_off.lead_department}


async def _refuse(step: Step) -> dict[str, Any]:
    _require_lead(step)
    tip_off, body = step.tip_off, step.payload
    ground = schemas.RefusalGround(body.ground)
    if ground is schemas.RefusalGround.EMPLOYEE_WITHOUT_NAME and not (tip_off.employee and not tip_off.real_name):
        raise RefusalGroundNotApplicable(
            "举报人不是被举报单位的从业人员，或已提供真实姓名和联系方式，不能以此理由不予受理",
            errors=[FieldError(location="body", field="/ground", message="不适用")],
        )
    if ground is schemas.RefusalGround.DUPLICATE:
        original = None
        if body.duplicate_of is not None and body.duplicate_of != tip_off.id:
            original = (
                await step.session.execute(select(TipOff).where(TipOff.id == body.duplicate_of, visible(step.caller)))
            ).scalar_one_or_none()
        if original is None or original.state not in ACCEPTED_STATES:
            raise RefusalGroundNotApplicable(
                "重复举报须指明已受理的同一事项",
                errors=[FieldError(location="body", field="/duplicate_of", message="须为已受理的另一件举报的编号")],
            )
        tip_off.duplicate_of = original.id
    step.notice = f"理由：{schemas.REFUSAL_GROUNDS[ground]}。{body.explanation}"
    tip_off.details = {**tip_off.details, "refusal": {"ground": ground, "explanation": body.explanation}}
    return {"ground_title": schemas.REFUSAL_GROUNDS[ground]}


async def _hand_over(step: Step) -> None:
    _require_lead(step)
    body = step.payload
    step.notice = f"移送机关：{body.authority}。{body.reason}"
    step.tip_off.details = {**step.tip_off.details, "handed_over": {"authority": body.authority, "reason": body.reason}}


async def _request_extension(step: Step) -> None:
    _require_lead(step)
    if step.tip_off.extended:
        raise AlreadyExtended()
    request = {"days": step.payload.days, "reason": step.payload.reason, "requested_at": step.now.isoformat()}
    step.tip_off.details = {**step.tip_off.details, "extension": request}


async def _grant_extension(step: Step) -> dict[str, Any]:
    _require_level_above(step)
    tip_off = step.tip_off
    extension = tip_off.details["extension"]
    accepted_at = datetime.fromisoformat(tip_off.details["accepted_at"])
    total = VERIFICATION_LIMIT.amount + extension["days"]
    due = step.calendar.deadline(accepted_at, total, VERIFICATION_LIMIT.unit)
    tip_off.extended, tip_off.step_due_at = True, due.due_at
    step.notice = f"延长 {extension['days']} 日，理由：{extension['reason']}"
    tip_off.details = {**tip_off.details, "extension": {**extension, "granted_by": step.caller.subject}}
    return {"days": extension["days"], "verification_due_at": due.due_at.isoformat()}


async def _refuse_extension(step: Step) -> None:
    _require_level_above(step)
    extension = {**step.tip_off.details["extension"], "refused_by": step.caller.subject}
    step.tip_off.details = {**step.tip_off.details, "extension": extension}


async def _conclude(step: Step) -> dict[str, Any]:
    _require_lead(step)
    tip_off, finding = step.tip_off, step.payload
    true = finding.outcome in (schemas.Outcome.TRUE, schemas.Outcome.PARTLY_TRUE)
    about_hazard = schemas.Category(tip_off.category) in schemas.HAZARD_CATEGORIES
    errors = []
    if true and about_hazard and finding.hazard is None:
        errors.append(
            FieldError(location="body", field="/hazard", message="属实的隐患举报须填写隐患，以转为隐患督促整改")
        )
    if not true and finding.hazard is not None:
        errors.append(FieldError(location="body", field="/hazard", message="不属实或无法核实的举报不能转为隐患"))
    enterprise_code = (finding.hazard.enterprise_code if finding.hazard else None) or tip_off.enterprise_code
    if finding.hazard is not None and enterprise_code is None:
        errors.append(
            FieldError(location="body", field="/hazard/enterprise_code", message="须填写被举报单位的统一社会信用代码")
        )
    if errors:
        raise FindingIncomplete("核查结论不完整", errors=errors)
    step.tip_off.details = {**tip_off.details, "finding": finding.model_dump(mode="json")}
    step.notice = f"核查结论：{schemas.OUTCOME_TITLES[finding.outcome]}。"
    if finding.hazard is None:
        return {}
    hazard = finding.hazard
    event = TipOffVerified(
        tip_off_id=tip_off.id,
        enterprise_code=enterprise_code,
        title=hazard.title,
        description=hazard.description,
        grade=hazard.grade,
        basis_standard=hazard.basis_standard,
        basis_clause=hazard.basis_clause,
        tags=hazard.tags,
        found_at=step.now,
        verified_by=tip_off.lead_department or "",
        report=hazard.report.model_dump() if hazard.report else None,
    )
    emit(step.session, event, subject=f"tip_off/{tip_off.id}", to=("hazards",))
    tip_off.enterprise_code = enterprise_code
    return {"converted_to_hazard": True}


async def _reply(step: Step) -> None:
    _require_lead(step)
    step.notice = step.payload.message
    step.tip_off.details = {**step.tip_off.details, "replied_at": step.now.isoformat()}


async def _object(step: Step) -> dict[str, Any]:
    tip_off = step.tip_off
    if "objection" in tip_off.details:
        raise AlreadyObjected()
    due = objection_due(step.calendar, tip_off)
    if step.now > due:
        raise ObjectionPeriodOver(f"对答复的异议须在答复后 {OBJECTION_DAYS} 日内提出（截至 {due:%Y-%m-%d %H:%M}）")
    objection = {"reason": step.payload.reason, "at": step.now.isoformat(), "entered_by": step.caller.subject}
    tip_off.details = {**tip_off.details, "objection": objection}
    return {"objection_due_at": due.isoformat()}


async def _re_examine(step: Step) -> dict[str, Any]:
    _require_level_above(step)
    tip_off, body = step.tip_off, step.payload
    decision = {**body.model_dump(mode="json"), "by": step.caller.subject, "at": step.now.isoformat()}
    details = {**tip_off.details, "re_examination": decision}
    if body.decision is schemas.ReExaminationDecision.REVISED:
        details["finding"] = {**details["finding"], "outcome": body.outcome}
        step.notice = f"变更核查结论为“{schemas.OUTCOME_TITLES[body.outcome]}”。{body.explanation}"
    else:
        step.notice = f"维持原核查结论。{body.explanation}"
    tip_off.details = details
    return {}


async def _close(step: Step) -> None:
    _require_lead(step)


EFFECTS: dict[str, Effect] = {
    "sign": _sign,
    "transfer": _transfer,
    "take_over": _take_over,
    "merge": _merge,
    "accept": _accept,
    "refuse": _refuse,
    "hand_over": _hand_over,
    "request_extension": _request_extension,
    "grant_extension": _grant_extension,
    "refuse_extension": _refuse_extension,
    "conclude": _conclude,
    "reply": _reply,
    "object": _object,
    "re_examine": _re_examine,
    "close": _close,
}
assert set(EFFECTS) == {t.action for t in TIP_OFF_LIFECYCLE.transitions}, "every action has its effect"
