"""The handlers' (and, for an objection, the reporter's) actions on a tip-off: one effect per
action of the lifecycle declared in ``lifecycle.py``, fired by the one lifecycle runner, which
checks the state, the role and the authority (``authority.py``), moves the state and its time
limit, and writes the trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, cast, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.delivery import DeliveryState
from qingling.errors import Conflict, FieldError, ValidationFailed
from qingling.holidays import working_calendar
from qingling.lifecycle import NotTheAuthority, Runner, Step, Transition, nothing, start_step
from qingling.outbox import emit, latest_about
from qingling.regions import parent
from qingling.runtime import Runtime
from qingling.standards import grading_errors
from qingling.tipoff_events import TipOffVerified
from reports.calendar import HolidayArrangement
from reports.database import tables
from reports.duplicates import service as duplicates
from reports.tipoffs import authority, outward, routing, schemas
from reports.tipoffs.lifecycle import OBJECTION_DAYS, TIMED_STATES, TIP_OFF_LIFECYCLE, VERIFICATION_LIMIT
from reports.tipoffs.models import TipOff, TipOffHolder
from reports.tipoffs.redaction import redact
from reports.tipoffs.service import (
    ACCEPTED_STATES,
    AlreadyExtended,
    FindingIncomplete,
    RefusalGroundNotApplicable,
    RegisterDown,
    TakeOverNotAllowed,
    conversions,
    get,
    holders,
    objection_due,
    record_change,
    reporter_details,
    subject_of,
    tell_reporter,
    to_read,
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


class ConversionNotParked(Conflict):
    code, title = "conversion-not-parked", "这件举报转为隐患没有被拒收，无需更正"


class TransferOutsideJurisdiction(ValidationFailed):
    code, title = "transfer-outside-jurisdiction", "转办只能交给本辖区内的部门或上一级部门"


async def act(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    tip_off_id: int,
    transition: Transition,
    payload: BaseModel | None,
    now: datetime,
) -> TipOff:
    """Loads the tip-off for update (as the caller sees it; the receipt holder's by its receipt),
    keeps the reporter out of the handler's words, and fires the action."""
    if caller == RECEIPT_HOLDER:  # the receipt proved the holder's claim to this one tip-off
        tip_off = await session.get(TipOff, tip_off_id, with_for_update=True)
    else:
        tip_off = await get(session, caller, tip_off_id, for_update=True)
    if payload is not None:  # a handler's words never carry the reporter onward
        payload = type(payload).model_validate(
            _redacted(payload.model_dump(), await reporter_details(runtime, session, tip_off))
        )
    return await RUNNER.fire(session, runtime, tip_off, caller, transition.action, payload, now)


async def read(
    session: AsyncSession, caller: Principal, tip_offs: list[TipOff], now: datetime
) -> list[schemas.TipOffRead]:
    """What ``caller`` sees of ``tip_offs``: with the departments that held each, and the actions
    this caller may take on it now."""
    held, converted = await holders(session, tip_offs), await conversions(session, tip_offs)
    flags = await duplicates.flagged(session, (t.id for t in tip_offs))
    return [
        to_read(t, now, _allowed(t, caller, converted.get(t.id)), held[t.id], flags[t.id], converted.get(t.id))
        for t in tip_offs
    ]


def _allowed(tip_off: TipOff, caller: Principal, conversion: schemas.Conversion | None) -> list[str]:
    """The runner's answer, less a correction when no conversion waits for one."""
    allowed = RUNNER.allowed_for(tip_off, caller)
    if conversion is None or conversion.state is not schemas.ConversionState.PARKED:
        allowed = [action for action in allowed if action != "correct_conversion"]
    return allowed


def actionable(caller: Principal) -> ColumnElement[bool]:
    """``_allowed`` as a WHERE clause: the runner's, a correction only where the latest request
    for the hazard (``conversions``) was parked."""
    return RUNNER.actionable(caller, TipOff.state, {"correct_conversion": _conversion_parked()})


def _conversion_parked() -> ColumnElement[bool]:
    event, later = tables.outbox, aliased(tables.outbox)
    newer = select(later.id).where(
        later.subject == event.subject,
        later.event_type == event.event_type,
        later.state != DeliveryState.CANCELLED,
        later.created_at > event.created_at,
    )
    parked = select(event.id).where(
        event.subject == literal("tip_off/") + cast(TipOff.id, String),  # subject_of
        event.event_type == TipOffVerified.event_type,
        event.state == DeliveryState.PARKED,
        ~exists(newer),
    )
    return TipOff.hazard_id.is_(None) & exists(parked)


def _redacted(value: Any, known: list[str | None]) -> Any:
    if isinstance(value, str):
        return redact(value, known)
    if isinstance(value, dict):
        return {key: _redacted(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, known) for item in value]
    return value


# ---------------------------------------------------------------------------------- hand-overs


async def _route(step: Step[TipOff], region_code: str, industry: str) -> routing.Route:
    try:
        route = await routing.resolve(step.session, step.runtime, region_code, industry)
    except routing.RegisterUnavailable:
        raise RegisterDown() from None
    if route is None:
        raise ValidationFailed.for_field("industry", "该地区及其上级没有监管这一行业的部门")
    return route


async def _hand_on(step: Step[TipOff], route: routing.Route) -> dict[str, Any]:
    """The case goes to ``route``'s department; the one that held it keeps read access."""
    tip_off = step.item
    previous = tip_off.lead_department
    if tip_off.lead_region_code is not None and tip_off.lead_kind is not None:
        key = (tip_off.id, tip_off.lead_region_code, tip_off.lead_kind)
        holder = await step.session.get(TipOffHolder, key) or TipOffHolder(
            tip_off_id=tip_off.id, region_code=tip_off.lead_region_code, kind=tip_off.lead_kind,
            handed_on_at=step.now, by_action=step.transition.action,
        )  # fmt: skip
        holder.department_id, holder.department = tip_off.lead_department_id, tip_off.lead_department
        holder.handed_on_at, holder.by_action = step.now, step.transition.action
        step.session.add(holder)
    routing.apply(tip_off, route)
    return {"from_department": previous, "to_department": route.lead_department}


async def _transfer(step: Step[TipOff]) -> dict[str, Any]:
    tip_off, body, caller = step.item, step.payload, step.caller
    if body.to_level_above:
        above = parent(caller.region_code or "")
        if above is None:
            raise TransferOutsideJurisdiction.for_field("to_level_above", "您所在的层级没有上一级")
        region_code = above
    else:
        region_code = body.region_code or tip_off.region_code
        if body.region_code is not None and (why := authority.transfer_destination(caller, region_code)):
            raise TransferOutsideJurisdiction.for_field("region_code", why)
    route = await _route(step, region_code, body.industry)
    if why := authority.transfer_destination(caller, route.lead_region_code):
        raise TransferOutsideJurisdiction.for_field("region_code", f"{route.lead_department}：{why}")
    if not body.to_level_above:
        tip_off.region_code = region_code
    tip_off.industry = body.industry
    return await _hand_on(step, route)


async def _relocate(step: Step[TipOff]) -> dict[str, Any]:
    """A wrong place corrected: the case goes to the department of the right place, wherever it
    is, and says so on the trail; that department signs for it."""
    tip_off, body = step.item, step.payload
    if body.region_code == tip_off.region_code:
        raise ValidationFailed.for_field("region_code", "与原事发地相同；按行业改由其他部门办理的，请用“转办”")
    industry = body.industry or tip_off.industry
    route = await _route(step, body.region_code, industry)
    moved = {"from_region_code": tip_off.region_code, "to_region_code": body.region_code}
    crosses = authority.transfer_destination(step.caller, route.lead_region_code) is not None
    tip_off.region_code, tip_off.industry = body.region_code, industry
    return moved | {"outside_jurisdiction": crosses} | await _hand_on(step, route)


async def _take_over(step: Step[TipOff]) -> dict[str, Any]:
    caller = step.caller
    try:
        route = await routing.department_of(step.session, step.runtime, caller.region_code, caller.department or "")
    except routing.RegisterUnavailable:
        raise RegisterDown() from None
    if route is None:
        raise TakeOverNotAllowed("名录中没有您所在的部门，请联系管理员")
    return await _hand_on(step, route)


# ------------------------------------------------------------------------------------ deciding


async def _merge(step: Step[TipOff]) -> dict[str, Any]:
    """Another report of a matter in hand joins it: the case's lead department takes it in; its
    reporter keeps the receipt and is told what the case's reporters are told."""
    tip_off, session = step.item, step.session
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
    if why := authority.lead(case, step.caller):
        raise NotTheAuthority(f"只能并入本部门主办的举报：{why}", extensions={"authority": "lead"})
    tip_off.duplicate_of = case.id
    joined = await session.execute(select(TipOff).where(TipOff.duplicate_of == tip_off.id, TipOff.state == "merged"))
    for earlier in joined.scalars():  # what was merged into this one follows it into the case
        earlier.duplicate_of = case.id
    group = [case, *(await duplicates.merged_into(session, case)), tip_off]
    first = min(group, key=lambda t: (t.received_at, t.id))
    first_reported = schemas.FirstReported(tip_off_id=first.id, at=first.received_at)
    case.details = case.details.model_copy(update={"first_reported": first_reported})
    case.updated_at = step.now
    record_change(session, case, "merged_in", step.caller, step.now, {"tip_off_id": tip_off.id, "first": first.id})
    return {"into": case.id, "first_reported": first.id}


async def _accept(step: Step[TipOff]) -> dict[str, Any]:
    tip_off = step.item  # 谁受理谁奖励: the accepting department pays any reward
    tip_off.accepted_at = step.now
    tip_off.accepted_by_department_id, tip_off.accepted_by_department = (
        tip_off.lead_department_id,
        tip_off.lead_department,
    )
    tip_off.accepted_by_region_code, tip_off.accepted_by_kind = tip_off.lead_region_code, tip_off.lead_kind
    return {"department": tip_off.lead_department}


async def _refuse(step: Step[TipOff]) -> dict[str, Any]:
    tip_off, body = step.item, step.payload
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
    refusal = schemas.RefusalRecord(ground=ground, explanation=body.explanation)
    tip_off.details = tip_off.details.model_copy(update={"refusal": refusal})
    return {"ground_title": schemas.REFUSAL_GROUNDS[ground]}


async def _hand_over(step: Step[TipOff]) -> None:
    record = schemas.HandOverRecord(authority=step.payload.authority, reason=step.payload.reason)
    step.item.details = step.item.details.model_copy(update={"handed_over": record})


async def _request_extension(step: Step[TipOff]) -> None:
    tip_off = step.item
    if tip_off.extended or tip_off.extension_decision is not None:
        raise AlreadyExtended()
    request = schemas.ExtensionRecord(reason=step.payload.reason, requested_at=step.now)
    tip_off.details = tip_off.details.model_copy(update={"extension": request})
    tip_off.extension_days, tip_off.extension_decision = step.payload.days, "requested"


async def _grant_extension(step: Step[TipOff]) -> dict[str, Any]:
    tip_off = step.item
    basis = VERIFICATION_LIMIT.basis(tip_off.accepted_at, extra=tip_off.extension_days)
    due = start_step(tip_off, tip_off.step or VERIFICATION_LIMIT.what, basis, step.calendar)
    tip_off.extended = True
    tip_off.extension_decision, tip_off.extension_decided_by = "granted", await _acting(step)
    return {"days": tip_off.extension_days, "verification_due_at": due.due_at.isoformat()}


async def _refuse_extension(step: Step[TipOff]) -> None:
    step.item.extension_decision, step.item.extension_decided_by = "refused", await _acting(step)


async def _conclude(step: Step[TipOff]) -> dict[str, Any]:
    tip_off, finding = step.item, step.payload
    true = finding.outcome in (schemas.Outcome.TRUE, schemas.Outcome.PARTLY_TRUE)
    about_hazard = schemas.Category(tip_off.category) in schemas.HAZARD_CATEGORIES
    errors = []
    if true and about_hazard and finding.hazard is None:
        errors.append(
            FieldError(location="body", field="/hazard", message="属实的隐患举报须填写隐患，以转为隐患督促整改")
        )
    if not true and finding.hazard is not None:
        errors.append(FieldError(location="body", field="/hazard", message="不属实或无法核实的举报不能转为隐患"))
    if true and finding.hazard is not None:
        errors += _hazard_errors(tip_off, finding.hazard, step.now, prefix="/hazard")
    if errors:
        raise FindingIncomplete("核查结论不完整", errors=errors)
    confirmed = await outward.check(step.session, tip_off, finding.hazard, "/hazard") if finding.hazard else {}
    tip_off.details = tip_off.details.model_copy(update={"finding": finding})
    tip_off.concluded_at, tip_off.outcome = step.now, finding.outcome
    if finding.hazard is None:
        return {}
    _ask_for_hazard(step, finding.hazard)
    return {"converted_to_hazard": True, **confirmed}


async def _correct_conversion(step: Step[TipOff]) -> dict[str, Any]:
    """The hazards service refused the hazard a conclusion asked for (an enterprise it does not
    know, a department missing for the industry): the lead department corrects the hazard part —
    or resends it unchanged once the register is put right — and it is asked for again. The
    refused event is cancelled, so exactly one request for the tip-off's hazard is ever live."""
    tip_off, hazard = step.item, step.payload
    finding = tip_off.details.finding
    if tip_off.hazard_id is not None or finding is None or finding.hazard is None:
        raise ConversionNotParked("这件举报没有待转的隐患")
    parked = (await latest_about(step.session, [subject_of(tip_off)], TipOffVerified.event_type)).get(
        subject_of(tip_off)
    )
    if parked is None or parked.state != DeliveryState.PARKED:
        raise ConversionNotParked("隐患服务没有拒收这件举报的隐患，无需更正；请等待转送完成")
    # Judged on the day of the conclusion, as the conclusion was: the finding's date stays its own.
    if errors := _hazard_errors(tip_off, hazard, tip_off.concluded_at or step.now, prefix=""):
        raise FindingIncomplete("隐患内容不完整", errors=errors)
    confirmed = await outward.check(step.session, tip_off, hazard, "")
    parked.state = DeliveryState.CANCELLED
    tip_off.details = tip_off.details.model_copy(update={"finding": finding.model_copy(update={"hazard": hazard})})
    _ask_for_hazard(step, hazard)
    return {"refused_because": parked.last_error, "enterprise_code": tip_off.enterprise_code, **confirmed}


def _hazard_errors(tip_off: TipOff, hazard: schemas.HazardFinding, on: datetime, prefix: str) -> list[FieldError]:
    """What the hazards service would refuse in the hazard a true tip-off asks for, by its own
    rule (``qingling.standards``), found now — refused to the handler rather than after the answer."""
    errors = []
    if (hazard.enterprise_code or tip_off.enterprise_code) is None:
        errors.append(
            FieldError(location="body", field=f"{prefix}/enterprise_code", message="须填写被举报单位的统一社会信用代码")
        )
    return errors + grading_errors(
        hazard.grade, hazard.basis_standard, hazard.basis_clause, hazard.report, on, prefix=prefix
    )


def _ask_for_hazard(step: Step[TipOff], hazard: schemas.HazardFinding) -> None:
    """Asks the hazards service, through the outbox, for the hazard this tip-off became."""
    tip_off = step.item
    tip_off.enterprise_code = hazard.enterprise_code or tip_off.enterprise_code
    event = TipOffVerified(
        tip_off_id=tip_off.id,
        enterprise_code=tip_off.enterprise_code,
        title=hazard.title,
        description=hazard.description,
        grade=hazard.grade,
        basis_standard=hazard.basis_standard,
        basis_clause=hazard.basis_clause,
        tags=hazard.tags,
        found_at=tip_off.concluded_at or step.now,
        verified_by=tip_off.lead_department or "",
        report=hazard.report,
    )
    emit(step.session, event, subject=subject_of(tip_off), to=("hazards",))


async def _reply(step: Step[TipOff]) -> None:
    step.item.replied_at = step.now


async def _object(step: Step[TipOff]) -> dict[str, Any]:
    tip_off = step.item
    if tip_off.details.objection is not None:
        raise AlreadyObjected()
    due = objection_due(step.calendar, tip_off)
    if step.now > due:
        raise ObjectionPeriodOver(f"对答复的异议须在答复后 {OBJECTION_DAYS} 日内提出（截至 {due:%Y-%m-%d %H:%M}）")
    objection = schemas.ObjectionRecord(reason=step.payload.reason, at=step.now, entered_by=step.caller.subject)
    tip_off.details = tip_off.details.model_copy(update={"objection": objection})
    return {"objection_due_at": due.isoformat()}


async def _re_examine(step: Step[TipOff]) -> dict[str, Any]:
    tip_off, body = step.item, step.payload
    decision = schemas.ReExaminationRecord(**body.model_dump(), by=step.caller.subject, at=step.now)
    update: dict[str, Any] = {"re_examination": decision}
    if body.decision is schemas.ReExaminationDecision.REVISED:
        update["finding"] = tip_off.details.finding.model_copy(update={"outcome": body.outcome})
        tip_off.outcome = body.outcome
    tip_off.details = tip_off.details.model_copy(update=update)
    return {}


# ----------------------------------------------------------------------------- the runner's hooks


def _words(step: Step[TipOff]) -> str:
    """The handler's words added to what the reporter is told at this step."""
    action, body, tip_off = step.transition.action, step.payload, step.item
    if action == "refuse":
        return f"理由：{schemas.REFUSAL_GROUNDS[schemas.RefusalGround(body.ground)]}。{body.explanation}"
    if action == "hand_over":
        return f"移送机关：{body.authority}。{body.reason}"
    if action == "grant_extension":
        return f"延长 {tip_off.extension_days} 日，理由：{tip_off.details.extension.reason}"
    if action == "conclude":
        return f"核查结论：{schemas.OUTCOME_TITLES[body.outcome]}。"
    if action == "reply":
        return body.message
    if action == "re_examine" and body.decision is schemas.ReExaminationDecision.REVISED:
        return f"变更核查结论为“{schemas.OUTCOME_TITLES[body.outcome]}”。{body.explanation}"
    if action == "re_examine":
        return f"维持原核查结论。{body.explanation}"
    return ""


async def _tell(step: Step[TipOff], before: str) -> None:
    await tell_reporter(step.session, step.item, step.transition.action, step.now, _words(step))


async def _acting(step: Step[TipOff]) -> str | None:
    """The acting department, by name: the lead's, else the register's name for the caller's."""
    caller, tip_off = step.caller, step.item
    if caller.department is None or caller.region_code is None:
        return None
    if authority.in_department(caller, tip_off.lead_region_code, tip_off.lead_kind):
        return tip_off.lead_department
    if step.runtime is not None:
        try:
            if route := await routing.department_of(step.session, step.runtime, caller.region_code, caller.department):
                return route.lead_department
        except (routing.RegisterUnavailable, ValidationFailed):
            pass
    return caller.name or None


RUNNER: Runner[TipOff] = Runner(
    TIP_OFF_LIFECYCLE,
    effects={
        "sign": nothing,
        "transfer": _transfer,
        "relocate": _relocate,
        "take_over": _take_over,
        "merge": _merge,
        "accept": _accept,
        "refuse": _refuse,
        "hand_over": _hand_over,
        "request_extension": _request_extension,
        "grant_extension": _grant_extension,
        "refuse_extension": _refuse_extension,
        "conclude": _conclude,
        "correct_conversion": _correct_conversion,
        "reply": _reply,
        "object": _object,
        "re_examine": _re_examine,
        "close": nothing,
    },
    authorities=authority.CHECKS,
    rows=authority.ROWS,
    record=record_change,
    calendar=lambda session: working_calendar(session, HolidayArrangement),
    keeps_step=TIMED_STATES,
    acting=_acting,
    after=_tell,
)
