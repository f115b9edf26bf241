"""What each return action does beyond moving the state (``qingling.lifecycle.Runner`` checks the
state, role and authority, moves the state, keeps or sets the limit, stamps and trails).

Preparing takes the figures as of the period's last instant — the hazard part from the figures
service (``hazards.figures.service``), the tip-off part from the reports service over HTTP as a
service (``service:tip-off-figures``) — and stores them as the return's typed snapshot. A part
that cannot be had now is stored as null with the reason, and the clerk prepares again later."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from pydantic import ValidationError

from hazards.figures import service as figures
from hazards.figures.schemas import GroupBy
from hazards.returns import periods
from hazards.returns.authority import is_committee, is_department
from hazards.returns.models import PeriodicReturn
from hazards.returns.schemas import (
    Preparation,
    Receipt,
    ReturnFigures,
    ReturnKind,
    SendBack,
    Submission,
    TipOffGroup,
    TipOffPart,
)
from qingling.calendar import is_overdue
from qingling.lifecycle import Effect, Step
from qingling.runtime import Runtime

log = structlog.get_logger(__name__)
TIP_OFF_FIGURES = "/api/v1/reports/figures"


def period_of(item: PeriodicReturn) -> periods.ReturnPeriod:
    found = periods.parse(ReturnKind(item.kind), item.period)
    if found is None:  # written by the sweep from the same rules: never
        raise ValueError(f"return {item.id}: unreadable period {item.kind} {item.period}")
    return found


async def tip_off_part(
    runtime: Runtime | None, item: PeriodicReturn, period: periods.ReturnPeriod
) -> tuple[TipOffPart | None, str | None]:
    """The department region's tip-off figures and the department's own (as lead department)."""
    if runtime is None:
        return None, "举报统计无法取得（没有可用的服务连接）；请稍后重新编制"
    params = {
        "region_code": item.department_region_code,
        "from": period.first_day.isoformat(),
        "to": period.last_day.isoformat(),
        "as_of": period.as_of.isoformat(),
        "group_by": "lead_department",
    }
    url = f"{runtime.settings.peer_url}{TIP_OFF_FIGURES}"
    try:
        response = await runtime.http.get(url, params=params, auth=runtime.service_auth)
    except httpx.HTTPError as exc:
        log.warning("tip-off figures unreachable", return_id=item.id, error=type(exc).__name__)
        return None, "举报服务暂时无法连接，举报部分未取得；请稍后重新编制"
    if response.status_code != 200:
        log.warning("tip-off figures refused", return_id=item.id, status=response.status_code, body=response.text[:300])
        return None, f"举报服务未提供举报统计（答复 {response.status_code}）；请稍后重新编制"
    try:
        body = response.json()
        total = TipOffGroup.model_validate(body["total"])
        own = next((g for g in body["groups"] if g.get("key") == str(item.department_id)), None)
        part = TipOffPart(
            region_code=body["region_code"],
            region_total=total,
            department=TipOffGroup.model_validate(own) if own is not None else None,
        )
    except (ValueError, KeyError, TypeError, ValidationError) as exc:  # another version's answer
        log.warning("tip-off figures unreadable", return_id=item.id, error=str(exc)[:300])
        return None, "举报服务的答复无法识别（版本不一致？），举报部分未取得"
    return part, None


async def prepare(step: Step[PeriodicReturn]) -> dict[str, Any]:
    item, payload = step.item, step.payload
    assert isinstance(payload, Preparation)
    period = period_of(item)
    hazards = await figures.figures(
        step.session,
        prefix=item.department_region_code,
        period=period.period(),
        as_of=period.as_of,
        now=step.now,
        group_by=GroupBy.REGION,
        filters=figures.Filters(department_id=item.department_id),
    )
    tip_offs, tip_offs_missing = await tip_off_part(step.runtime, item, period)
    item.figures = ReturnFigures(
        as_of=period.as_of,
        prepared_at=step.now,
        hazards=hazards,
        tip_offs=tip_offs,
        tip_offs_missing=tip_offs_missing,
    )
    item.preparation_note = payload.note
    return {"as_of": period.as_of.isoformat(), "tip_offs_missing": tip_offs_missing}


async def submit(step: Step[PeriodicReturn]) -> dict[str, Any]:
    item, payload = step.item, step.payload
    assert isinstance(payload, Submission)
    item.submitted_at, item.submitted_by, item.submission_note = step.now, step.caller.subject, payload.note
    late = is_overdue(step.now, item.due_at)
    if item.first_submitted_at is None:
        item.first_submitted_at = step.now
    return {"late": late}


async def send_back(step: Step[PeriodicReturn]) -> None:
    assert isinstance(step.payload, SendBack)
    step.item.sent_back_reason = step.payload.reason


async def receive(step: Step[PeriodicReturn]) -> None:
    assert isinstance(step.payload, Receipt)
    step.item.received_at, step.item.received_by = step.now, step.caller.subject


async def acting(step: Step[PeriodicReturn]) -> str | None:
    """The body named on the trail: the submitting department or the 安委办."""
    if is_department(step.item, step.caller):
        return step.item.department_name
    if is_committee(step.item, step.caller):
        return step.item.committee_name
    return None


EFFECTS: dict[str, Effect] = {"prepare": prepare, "submit": submit, "send_back": send_back, "receive": receive}
