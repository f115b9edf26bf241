"""Bulk self-reporting by enterprise systems: up to 1,000 hazards a request, validated as a
whole, stored all or nothing, exactly once per Idempotency-Key — and written in bulk (one
multi-row INSERT per table, not one ORM round trip per hazard)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import Request
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises.models import Enterprise
from hazards.figures.models import HAZARD_HISTORY
from hazards.hazard import schemas
from hazards.hazard.events import SUBSCRIBERS, hazard_changed
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard, HazardAudit
from hazards.hazard.service import hazard_values, supervising_department
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.bulk import insert_rows, reserve_ids
from qingling.errors import FieldError, Forbidden, PayloadTooLarge, ValidationFailed
from qingling.idempotency import StoredResponse, fingerprint, run_once
from qingling.outbox import emit_many
from qingling.runtime import Runtime
from qingling.standards import grading_errors

MAX_ITEMS = 1000


class BatchTooLarge(PayloadTooLarge):
    code, title = "batch-too-large", f"一次最多上报 {MAX_ITEMS} 条隐患，请分批提交"


class BatchRejected(ValidationFailed):
    code, title = "batch-rejected", "批量上报中有错误，未保存任何隐患；请按提示修改后整批重新提交"


class ScopeMissing(Forbidden):
    code, title = "scope-missing", "该客户端未获“hazards:write”授权"


async def _items(request: Request) -> Any:
    """The body's ``items`` as sent — parsed once per request (``Request.json`` keeps what the
    framework parsed for the body), or None when the body is no JSON object."""
    try:
        return (await request.json()).get("items")
    except (ValueError, AttributeError):
        return None  # malformed: the body's own validation answers


async def at_most_a_thousand(request: Request) -> None:
    """Refuses an oversized batch with 413 before a thousand items are validated one by one."""
    items = await _items(request)
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise BatchTooLarge(f"本次提交 {len(items)} 条，一次最多 {MAX_ITEMS} 条，请分批提交")


async def rules_beside_the_format(request: Request) -> None:
    """When some items of a batch are malformed, the rules are checked on the well-formed ones
    too (``request.state.rule_errors``), so the 422 names both kinds at once — not the format
    errors first and the rule errors on the next try. Only then: the check runs when the
    validation error is answered, so a well-formed batch is validated once, and its rules are
    checked in ``_store``."""
    items = await _items(request)
    if isinstance(items, list) and len(items) <= MAX_ITEMS:
        request.state.rule_errors = RulesOfTheWellFormed(items)


class RulesOfTheWellFormed:
    """The rule errors of a batch's well-formed items when some of its items are malformed
    (none when all are well-formed: then the rules are checked in ``_store``), checked when
    iterated."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[FieldError]:
        valid: dict[int, schemas.HazardReport] = {}
        for index, raw in enumerate(self.items):
            try:
                valid[index] = schemas.HazardReport.model_validate(raw)
            except PydanticValidationError:
                continue
        if len(valid) == len(self.items):
            return
        for index, item in valid.items():
            yield from grading_errors(
                item.grade, item.basis_standard, item.basis_clause, item.report, item.found_at, prefix=f"/items/{index}"
            )


async def report(
    runtime: Runtime, caller: Principal, body: schemas.BatchReport, key: str | None, raw_body: bytes, path: str
) -> StoredResponse:
    if caller.has(Role.ENTERPRISE_CLIENT) and Scope.HAZARDS_WRITE not in caller.scopes:
        raise ScopeMissing()

    async def work(session: AsyncSession) -> tuple[int, Any]:
        return 201, await _store(session, runtime, caller, body.items, key)

    return await run_once(runtime, caller.subject, key, fingerprint("POST", path, raw_body), work)


async def _store(
    session: AsyncSession, runtime: Runtime, caller: Principal, items: list[schemas.HazardReport], key: str | None
) -> dict[str, Any]:
    query = select(Enterprise).where(Enterprise.credit_code == caller.enterprise_code)
    enterprise = (await session.execute(query)).scalar_one_or_none()
    if enterprise is None:
        raise ValidationFailed("本企业尚未登记，请联系属地监管部门登记后再上报")
    errors = [
        error
        for index, item in enumerate(items)
        for error in grading_errors(
            item.grade, item.basis_standard, item.basis_clause, item.report, item.found_at, prefix=f"/items/{index}"
        )
    ]
    if errors:
        bad = sorted({int(error.field.split("/")[2]) for error in errors})
        raise BatchRejected(
            f"第 {'、'.join(str(i) for i in bad[:20])} 条有误（从 0 起数），共 {len(bad)} 条", errors=errors
        )

    department = await supervising_department(session, enterprise, "items")
    now = runtime.clock.now()
    hazards = [
        hazard_values(enterprise, item, department, source="self_report", reported_by=caller.subject, now=now)
        for item in items
    ]
    payloads = [
        item.model_dump(mode="json") | {"batch": key, "supervising_department": department.name} for item in items
    ]
    ids = await insert_hazards(session, caller, hazards, payloads, action="report", now=now)
    return {"created": len(ids), "hazard_ids": ids}


async def insert_hazards(
    session: AsyncSession,
    caller: Principal,
    hazards: list[dict[str, Any]],
    payloads: list[dict[str, Any]],
    *,
    action: str,
    now: datetime,
) -> list[int]:
    """Writes many new hazards at once — rows, the first entry of each audit trail, their first
    versions for the figures, and their events — with one statement per table
    (``qingling.bulk``). The ids are reserved first, so each hazard is written with its trail's
    head already on it (no second pass to update it). ``hazards`` are column values
    (``hazard_values``), not ORM objects: building a thousand of those costs more than the writes.
    Returns the ids in the hazards' order."""
    ids = await reserve_ids(session, Hazard, len(hazards))
    entries = []
    for hazard, hazard_id, payload in zip(hazards, ids, payloads, strict=True):
        entry = audit.trail_values(hazard_id, audit.Head(), action=action, actor=caller, at=now, payload=payload)
        hazard |= {"id": hazard_id, "audit_seq": entry["seq"], "audit_head": entry["hash"]}
        entries.append(entry)
    await insert_rows(session, Hazard, hazards)
    await insert_rows(session, HazardAudit, entries)
    await HAZARD_HISTORY.record_new(session, hazards, at=now)
    closed = HAZARD_LIFECYCLE.final
    events = [(hazard_changed(h, action, None, h["state"] in closed), f"hazard/{h['id']}") for h in hazards]
    await emit_many(session, events, to=SUBSCRIBERS)
    return ids
