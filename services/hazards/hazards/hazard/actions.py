"""What each hazard action does beyond moving the state: one effect per declared action
(``lifecycle.nothing`` where it only moves the state). ``qingling.lifecycle.Runner`` checks the
state, role and authority, moves the state, sets the next step's limit, stamps and trails."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.models import Department
from hazards.hazard import schemas
from hazards.hazard.authority import is_lister, is_supervising
from hazards.hazard.models import COMMITTEE, Hazard
from hazards.regions.models import Region
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import can_see
from qingling.calendar import end_of_day
from qingling.clock import SHANGHAI
from qingling.errors import Conflict, ValidationFailed
from qingling.lifecycle import Effect, Step, nothing
from qingling.standards import grading_errors

ENTERPRISE_REPORTING_WINDOW = 20  # 工作日 before the deadline within which an extension is asked for


class GradeMismatch(Conflict):
    code, title = "grade-mismatch", "该操作不适用于此等级的隐患"


class NoticeNoTaken(Conflict):
    code, title = "notice-no-taken", "该督办文号本年度已被本机关使用"


def record(hazard: Hazard, **changes: Any) -> None:
    """Records what a step submitted on the hazard (a new value: the column sees the change)."""
    hazard.details = hazard.details.model_copy(update=changes)


def supervise(hazard: Hazard, department: Department) -> None:
    """Names the supervising department: its id, place, kind and name, so that authority checks,
    figures and notify need no lookup."""
    hazard.supervising_department_id, hazard.supervising_region_code = department.id, department.region_code
    hazard.supervising_kind, hazard.supervising_name = department.kind, department.name


def set_deadline(hazard: Hazard, due_at: datetime, provisional: bool = False) -> None:
    hazard.original_deadline_at = hazard.original_deadline_at or due_at
    hazard.deadline_at, hazard.deadline_provisional = due_at, provisional


async def body_name(session: AsyncSession, caller: Principal) -> str | None:
    """The name of the body ``caller`` acts for: their department in the register, or their
    level's 安委办; None for an enterprise or a system."""
    if caller.region_code is None:
        return None
    if caller.has(Role.REGULATOR, Role.DEPARTMENT_LEADER) and caller.department:
        query = select(Department.name).where(
            Department.region_code == caller.region_code, Department.kind == caller.department
        )
        return (await session.execute(query)).scalar_one_or_none()
    if caller.has(Role.SAFETY_COMMITTEE):
        region = await session.get(Region, caller.region_code)
        return f"{region.name if region else caller.region_code}安委办"
    return None


async def acting(step: Step[Hazard]) -> str | None:
    """The department named on the trail for an action (the runner's ``acting``)."""
    hazard, caller = step.item, step.caller
    if is_supervising(hazard, caller):
        return hazard.supervising_name
    if hazard.lister_kind is not None and is_lister(hazard, caller):
        return hazard.lister_name
    return await body_name(step.session, caller)


def _require_grade(hazard: Hazard, grade: str, action: str) -> None:
    if hazard.grade != grade:
        wanted = "一般" if grade == "general" else "重大"
        raise GradeMismatch(
            f"“{action}”只适用于{wanted}隐患，此隐患为{'重大' if hazard.grade == 'major' else '一般'}隐患"
        )


def _keeping(key: str) -> Effect:
    async def effect(step: Step[Hazard]) -> None:
        record(step.item, **{key: step.payload})

    return effect


async def _regrade(step: Step[Hazard]) -> dict[str, Any]:
    data: schemas.Regrade = step.payload
    hazard = step.item
    errors = grading_errors(data.grade, data.basis_standard, data.basis_clause, hazard.details.report, hazard.found_at)
    if errors:
        raise ValidationFailed("调整为重大隐患须有判定依据和报告内容", errors=errors)
    previous = hazard.grade
    hazard.grade, hazard.basis_standard, hazard.basis_clause = data.grade, data.basis_standard, data.basis_clause
    return {"previous_grade": previous}


async def _resubmit(step: Step[Hazard]) -> None:
    data: schemas.Correction = step.payload
    if data.description:
        step.item.description = data.description
    if data.report:
        record(step.item, report=data.report)


async def _accept_general(step: Step[Hazard]) -> dict[str, Any]:
    hazard, order = step.item, step.payload
    _require_grade(hazard, "general", "受理一般隐患")
    if order.deadline is not None:
        if order.deadline <= step.today:
            raise ValidationFailed.for_field("deadline", "整改期限应晚于今天")
        set_deadline(hazard, end_of_day(order.deadline))
    else:  # the declared limit
        basis = step.transition.limit.basis(step.now)
        due = basis.count(step.calendar)
        set_deadline(hazard, due.due_at, due.provisional)
        record(hazard, deadline_basis=basis)
    record(hazard, order=order)
    return {"deadline_at": hazard.deadline_at.isoformat()}


async def _confirm_major(step: Step[Hazard]) -> None:
    _require_grade(step.item, "major", "确认重大隐患")
    record(step.item, confirmation=step.payload)


async def _list(step: Step[Hazard]) -> dict[str, Any]:
    listing: schemas.Listing = step.payload
    caller, hazard, session = step.caller, step.item, step.session
    if not step.today - timedelta(days=30) <= listing.listed_on <= step.today:
        raise ValidationFailed.for_field("listed_on", "挂牌日期应为今天或近 30 日内")
    if not listing.listed_on < listing.deadline <= listing.listed_on.replace(year=listing.listed_on.year + 1):
        raise ValidationFailed.for_field("deadline", "整改期限应在挂牌之日后、一年之内")
    department = await session.get(Department, listing.supervising_department_id)
    if department is None or not can_see(caller, region_code=department.region_code, enterprise_code=None):
        raise ValidationFailed.for_field("supervising_department_id", "督办部门不存在或不在您的管辖范围内")
    kind = COMMITTEE if caller.has(Role.SAFETY_COMMITTEE) and not caller.department else caller.department
    year = int(re.match(r"^〔(\d{4})〕", listing.notice_no)[1])
    taken = select(Hazard.id).where(
        Hazard.lister_region_code == caller.region_code,
        Hazard.lister_kind == kind,
        Hazard.notice_year == year,
        Hazard.notice_no == listing.notice_no,
    )
    if (await session.execute(taken)).first() is not None:
        raise NoticeNoTaken(f"{listing.notice_no} 已用于本机关的其他挂牌督办")
    hazard.lister_region_code, hazard.lister_kind = caller.region_code, kind
    hazard.lister_name = await body_name(session, caller) or caller.name
    hazard.listed_on, hazard.notice_year, hazard.notice_no = listing.listed_on, year, listing.notice_no
    supervise(hazard, department)
    set_deadline(hazard, end_of_day(listing.deadline))
    record(hazard, listing=schemas.ListingRecord(**listing.model_dump(), lister=caller.subject))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent listing took the number first
        raise NoticeNoTaken(f"{listing.notice_no} 已用于本机关的其他挂牌督办") from None
    return {"deadline_at": hazard.deadline_at.isoformat(), "lister": hazard.lister_name}


async def _suspend(step: Step[Hazard]) -> None:
    if step.item.production_suspended:
        raise Conflict("已处于停产停业治理状态")
    step.item.production_suspended, step.item.suspended_at = True, step.now


async def _resume(step: Step[Hazard]) -> dict[str, Any]:
    hazard = step.item
    if not hazard.production_suspended:
        raise Conflict("并未处于停产停业治理状态")
    paused = (step.today - hazard.suspended_at.astimezone(SHANGHAI).date()).days
    if hazard.deadline_at is not None and paused > 0:
        hazard.deadline_at += timedelta(days=paused)  # the clock stood still while production was stopped
        hazard.suspended_days += paused
    hazard.production_suspended, hazard.suspended_at = False, None
    return {"paused_days": paused}


async def _request_extension(step: Step[Hazard]) -> dict[str, Any]:
    request: schemas.ExtensionRequest = step.payload
    current = step.item.deadline_at.astimezone(SHANGHAI).date()
    if request.requested_deadline <= current:
        raise ValidationFailed.for_field("requested_deadline", f"申请延至的日期应晚于现行期限 {current.isoformat()}")
    window_opens, _ = step.calendar.add_working_days(step.today, ENTERPRISE_REPORTING_WINDOW)
    in_window = step.today <= current <= window_opens
    extension = schemas.ExtensionRecord(**request.model_dump(), in_window=in_window, requested_at=step.now)
    record(step.item, extension=extension)
    step.item.extension_granted, step.item.extension_decided_at = None, None
    return {"in_window": in_window}


async def _decide_extension(step: Step[Hazard], granted: bool) -> dict[str, Any]:
    hazard = step.item
    extension = hazard.details.extension.model_copy(
        update={"granted": granted, "decision": step.payload.reason, "decided_at": step.now}
    )
    if granted:
        set_deadline(hazard, end_of_day(extension.requested_deadline))
    record(hazard, extension=extension)
    hazard.extension_granted, hazard.extension_decided_at = granted, step.now
    return {"deadline_at": hazard.deadline_at.isoformat()}


async def _grant(step: Step[Hazard]) -> dict[str, Any]:
    return await _decide_extension(step, True)


async def _refuse(step: Step[Hazard]) -> dict[str, Any]:
    return await _decide_extension(step, False)


async def _check_close_out(step: Step[Hazard]) -> dict[str, Any]:
    hazard, caller = step.item, step.caller
    by = caller.name or caller.subject
    department = hazard.supervising_name
    check = schemas.CloseOutCheckRecord(findings=step.payload.findings, by=by, department=department, at=step.now)
    record(hazard, close_out_check=check)
    hazard.close_out_checked_by, hazard.close_out_checked_department = by, department
    hazard.close_out_checked_at = step.now
    return {"checked_by_department": department}


async def _close(step: Step[Hazard]) -> dict[str, Any]:
    hazard = step.item
    record(hazard, close_out=schemas.CloseOutRecord(opinion=step.payload.opinion))
    return {"checked_by_department": hazard.close_out_checked_department}


EFFECTS: dict[str, Effect] = {
    "return_for_correction": _keeping("returned"),
    "resubmit": _resubmit,
    "regrade": _regrade,
    "reject": _keeping("rejection"),
    "accept_general": _accept_general,
    "confirm_major": _confirm_major,
    "list": _list,
    "submit_plan": _keeping("plan"),
    "accept_plan": nothing,
    "return_plan": _keeping("plan_returned"),
    "report_progress": _keeping("progress"),
    "suspend_production": _suspend,
    "resume_production": _resume,
    "request_extension": _request_extension,
    "grant_extension": _grant,
    "refuse_extension": _refuse,
    "apply_completion": _keeping("completion"),
    "start_review": nothing,
    "pass_review": _keeping("review"),
    "fail_review": _keeping("review"),
    "check_close_out": _check_close_out,
    "close": _close,
}
