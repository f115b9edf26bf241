"""回头看: a closed 重大 hazard re-inspected by the body that listed it or the level above
(``authority.py``), alone or in a batch drawn from the 清单. Each result is a record of its own and
an entry on the hazard's trail; a failure opens a new 重大 hazard of the same enterprise that names
the old one (``recurrence_of_id``), counted by the figures as a recurrence.

The new hazard starts as ``reported``, as any inspection finding does (domain.md §4): confirming a
重大 hazard and ordering its 限期整改 is the supervising department's (county level and up), and
the re-inspector — the level above, or an 安委办 — is often not that department. So the finding
goes before the department like any other, with the report 16号令 asks for, and from there
through the lifecycle: confirmed, listed anew, rectified and closed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.models import Department
from hazards.enterprises.models import Enterprise
from hazards.hazard import schemas as hazard_schemas
from hazards.hazard import service as hazards
from hazards.hazard.actions import body_name
from hazards.hazard.models import COMMITTEE, Hazard, HazardAudit
from hazards.regions.models import Region
from hazards.reinspections import authority
from hazards.reinspections.exceptions import BatchRejected, HazardNotClosed, HazardNotMajor, ReinspectionNotFound
from hazards.reinspections.models import Reinspection
from hazards.reinspections.schemas import (
    CAPACITY_TITLES,
    RESULT_TITLES,
    BatchCreate,
    BodyRef,
    Capacity,
    ReinspectionCreate,
    ReinspectionRead,
    Result,
)
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.scope import can_see, staff_rows, visible_rows
from qingling.clock import SHANGHAI, to_shanghai
from qingling.errors import FieldError, QinglingError, ValidationFailed
from qingling.lifecycle import NotTheAuthority
from qingling.pagination import PageParams, Rows, fetch_page
from qingling.regions import Level, level, parent
from qingling.standards import grading_errors

CLOSED, MAJOR = "closed", "major"

# ----------------------------------------------------------------------------------- checking


async def refusal(session: AsyncSession, hazard: Hazard, caller: Principal) -> QinglingError | None:
    """Why ``caller`` may not re-inspect ``hazard`` (one they can see): not closed or not 重大
    (409), or not their authority (403, naming the bodies that may)."""
    if hazard.state != CLOSED:
        return HazardNotClosed(f"隐患 {hazard.id} 尚未销号，不能回头看")
    if hazard.grade != MAJOR:
        return HazardNotMajor(f"隐患 {hazard.id} 是一般隐患；回头看只针对已销号的重大事故隐患")
    if authority.capacity(hazard, caller) is None:
        return NotTheAuthority(await _who_may(session, hazard), extensions={"authority": "reinspection"})
    return None


async def _who_may(session: AsyncSession, hazard: Hazard) -> str:
    body = authority.lister(hazard)
    if body is None:
        return f"隐患 {hazard.id} 没有挂牌督办机关或督办部门，无法确定由谁回头看；请管理员补充"
    names = [body.name or body.region_code]
    if (above := parent(body.region_code)) is not None:
        if body.kind != COMMITTEE:
            query = select(Department.name).where(Department.region_code == above, Department.kind == body.kind)
            if (department := (await session.execute(query)).scalar_one_or_none()) is not None:
                names.append(department)
        region = await session.get(Region, above)
        names.append(f"{region.name if region else above}安委办")
    return f"隐患 {hazard.id} 的回头看须由{'、'.join(names)}进行（挂牌督办机关或其上一级）"


async def _problems(session: AsyncSession, hazard: Hazard, data: ReinspectionCreate, at: str) -> list[FieldError]:
    """What is wrong with the record ``data`` of ``hazard`` (pointers under ``at``)."""

    def error(field: str, message: str) -> FieldError:
        return FieldError(location="body", field=f"{at}/{field}", message=message)

    problems = []
    if hazard.closed_at is not None and data.inspected_at < hazard.closed_at:
        closed = to_shanghai(hazard.closed_at).strftime("%Y-%m-%d %H:%M")
        problems.append(error("inspected_at", f"回头看时间不能早于隐患 {hazard.id} 的销号时间 {closed}"))
    if data.result is Result.PASSED and data.recurrence is not None:
        problems.append(error("recurrence", "回头看合格的不新建隐患，请不要填写 recurrence"))
    if data.result is Result.FAILED:
        if data.recurrence is None:
            problems.append(error("recurrence", "回头看不合格须填写新建隐患的重大隐患报告（recurrence.report）"))
        else:
            standard = data.recurrence.basis_standard or hazard.basis_standard
            clause = data.recurrence.basis_clause or hazard.basis_clause
            report = data.recurrence.report
            problems += grading_errors(MAJOR, standard, clause, report, data.inspected_at, prefix=f"{at}/recurrence")
            if not problems:
                try:
                    await hazards.supervising_department(session, await _enterprise(session, hazard), "_")
                except ValidationFailed as refused:
                    problems.append(error("recurrence", refused.errors[0].message))
    return problems


async def _enterprise(session: AsyncSession, hazard: Hazard) -> Enterprise:
    return await session.get_one(Enterprise, hazard.enterprise_id)


# ------------------------------------------------------------------------------------ writing


async def reinspect(
    session: AsyncSession, caller: Principal, hazard_id: int, data: ReinspectionCreate, now: datetime
) -> Reinspection:
    """One 回头看 of a hazard the caller can see (404 otherwise)."""
    hazard = await hazards.get(session, caller, hazard_id, for_update=True)
    if (refused := await refusal(session, hazard, caller)) is not None:
        raise refused
    if problems := await _problems(session, hazard, data, ""):
        raise ValidationFailed("回头看记录有误", errors=problems)
    return await _record(session, hazard, caller, data, now)


async def reinspect_batch(
    session: AsyncSession, caller: Principal, data: BatchCreate, now: datetime
) -> list[Reinspection]:
    """A batch, all or nothing: every bad item is named in one answer — 422 when any item is
    missing, outside the caller's scope, not a closed 重大 hazard, repeated or wrongly filled in;
    403 when the only fault is that some are not the caller's to re-inspect."""
    ids = sorted({item.hazard_id for item in data.items})
    query = select(Hazard).where(Hazard.id.in_(ids), visible_rows(caller, Hazard.region_code, Hazard.enterprise_code))
    found = {h.id: h for h in (await session.execute(query.order_by(Hazard.id).with_for_update())).scalars()}
    problems: list[FieldError] = []
    not_ours: list[FieldError] = []
    first: dict[int, int] = {}
    for index, item in enumerate(data.items):
        at, hazard = f"/items/{index}", found.get(item.hazard_id)
        if hazard is None:
            problems.append(_item_error(at, f"隐患 {item.hazard_id} 不存在或不在您的管辖范围内"))
            continue
        if item.hazard_id in first:
            problems.append(_item_error(at, f"隐患 {item.hazard_id} 与第 {first[item.hazard_id]} 条重复"))
            continue
        first[item.hazard_id] = index
        refused = await refusal(session, hazard, caller)
        if isinstance(refused, NotTheAuthority):
            not_ours.append(_item_error(at, refused.detail or refused.title))
        elif refused is not None:
            problems.append(_item_error(at, refused.detail or refused.title))
        else:
            problems += await _problems(session, hazard, item, at)
    if problems or not_ours:
        bad = sorted({int(error.field.split("/")[2]) for error in problems + not_ours})
        detail = f"第 {'、'.join(str(i) for i in bad[:20])} 条有误（从 0 起数），共 {len(bad)} 条；未保存任何一条"
        errors = sorted(problems + not_ours, key=lambda e: int(e.field.split("/")[2]))
        raise (BatchRejected if problems else NotTheAuthority)(detail, errors=errors)
    return [await _record(session, found[item.hazard_id], caller, item, now) for item in data.items]


def _item_error(at: str, message: str) -> FieldError:
    return FieldError(location="body", field=f"{at}/hazard_id", message=message)


async def _record(
    session: AsyncSession, hazard: Hazard, caller: Principal, data: ReinspectionCreate, now: datetime
) -> Reinspection:
    capacity = authority.capacity(hazard, caller)
    assert capacity is not None  # checked by the caller
    kind = authority.caller_kind(caller) or ""
    record = Reinspection(
        hazard_id=hazard.id, region_code=hazard.region_code, industry=hazard.industry, grade=hazard.grade,
        source=hazard.source, basis_standard=hazard.basis_standard,
        supervising_department_id=hazard.supervising_department_id, inspected_at=data.inspected_at,
        inspectors=list(data.inspectors), result=data.result.value, findings=data.findings, capacity=capacity.value,
        body_region_code=caller.region_code or "", body_kind=kind,
        body_name=(await body_name(session, caller) or caller.name or caller.subject)[:64],
        recorded_by=caller.subject, created_at=now,
    )  # fmt: skip
    session.add(record)
    await session.flush()
    if data.result is Result.FAILED:
        record.new_hazard_id = (await _recurrence(session, hazard, record, caller, data, now)).id
    _note(session, hazard, caller, now, _trail(record) | {"hazard_title": hazard.title})
    await session.flush()
    return record


async def _recurrence(
    session: AsyncSession, old: Hazard, record: Reinspection, caller: Principal, data: ReinspectionCreate, now: datetime
) -> Hazard:
    """The hazard a failed 回头看 opens: same enterprise (so place and industry), 重大, found when
    inspected, reported by the re-inspector, before the supervising department for 认定."""
    recurrence = data.recurrence
    assert recurrence is not None  # checked
    enterprise = await _enterprise(session, old)
    report = hazard_schemas.HazardReport(
        title=recurrence.title or f"回头看复发：{old.title}"[:100],
        description=data.findings,
        grade=MAJOR,
        basis_standard=recurrence.basis_standard or old.basis_standard,
        basis_clause=recurrence.basis_clause or old.basis_clause,
        tags=list(old.tags),
        found_at=data.inspected_at,
        report=recurrence.report,
    )
    department = await hazards.supervising_department(session, enterprise, "recurrence")
    new = hazards.new_hazard(enterprise, report, department, source="inspection", reported_by=caller.subject, now=now)
    new.recurrence_of_id = old.id
    session.add(new)
    await session.flush()
    payload = report.model_dump(mode="json") | {
        "recurrence_of_id": old.id,
        "recurrence_of_title": old.title,
        "reinspection_id": record.id,
        "reinspected_by": record.body_name,
        "supervising_department": department.name,
    }
    hazards.record_change(session, new, "report_recurrence", caller, now, payload)  # trail, version, event
    return new


def _trail(record: Reinspection) -> dict[str, Any]:
    return {
        "reinspection_id": record.id,
        "result": record.result,
        "inspected_at": to_shanghai(record.inspected_at).isoformat(),
        "inspectors": record.inspectors,
        "findings": record.findings,
        "capacity": record.capacity,
        "by": record.body_name,
        "new_hazard_id": record.new_hazard_id,
    }


def _note(session: AsyncSession, hazard: Hazard, caller: Principal, now: datetime, payload: dict[str, Any]) -> None:
    """The 回头看 on the closed hazard's trail. Nothing else of the hazard changes — no new
    version for the figures, no event: it stays closed, and its recurrence is a hazard of its own."""
    entry = audit.trail_entry(HazardAudit, hazard.id, hazard.head, action="reinspect", actor=caller, at=now,
                              payload=payload)  # fmt: skip
    session.add(entry)
    hazard.audit_seq, hazard.audit_head = entry.seq, entry.hash


# ------------------------------------------------------------------------------------ reading


async def get(session: AsyncSession, caller: Principal, reinspection_id: int) -> Reinspection:
    record = await session.get(Reinspection, reinspection_id)
    if record is None or not can_see(caller, region_code=record.region_code, enterprise_code=None):
        raise ReinspectionNotFound()  # staff of its place only: enterprises see their new hazards instead
    return record


async def of_hazard(session: AsyncSession, caller: Principal, hazard_id: int) -> list[Reinspection]:
    await hazards.get(session, caller, hazard_id)
    query = select(Reinspection).where(Reinspection.hazard_id == hazard_id).order_by(Reinspection.id)
    return list((await session.execute(query)).scalars())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


async def page(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    *,
    region_prefix: str | None = None,
    result: Result | None = None,
    industry: str | None = None,
    inspected_from: date | None = None,
    inspected_to: date | None = None,
    by_me: bool | None = None,
) -> Rows:
    query = select(Reinspection).where(staff_rows(caller, Reinspection.region_code))
    if region_prefix:
        query = query.where(Reinspection.region_code.startswith(region_prefix, autoescape=True))
    if result is not None:
        query = query.where(Reinspection.result == result.value)
    if industry is not None:
        query = query.where(Reinspection.industry == industry)
    if inspected_from is not None:
        query = query.where(Reinspection.inspected_at >= _day_start(inspected_from))
    if inspected_to is not None:
        query = query.where(Reinspection.inspected_at < _day_start(inspected_to + timedelta(days=1)))
    if by_me is not None:
        mine = and_(
            Reinspection.body_region_code == (caller.region_code or ""),
            Reinspection.body_kind == (authority.caller_kind(caller) or ""),
        )
        query = query.where(mine if by_me else ~mine)
    return await fetch_page(session, query, Reinspection.id, params)


def _children(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` is a division one level below ``code`` (``qingling.regions.parent`` inverted)."""
    match level(code):
        case Level.NATION:
            return column.like("__0000") & (column != code)
        case Level.PROVINCE:
            return column.like(code[:2] + "__00") & (column != code)
        case Level.CITY:
            return (func.length(column) == 6) & column.like(code[:4] + "__") & (column != code)
        case Level.COUNTY:
            return (func.length(column) == 9) & column.like(code + "___")
    return false()


def may_reinspect(caller: Principal) -> ColumnElement[bool]:
    """``authority.capacity`` as a WHERE clause: the hazards whose lister (else supervising
    department) is the caller's body, or one level below it — of its kind, or any for an 安委办."""
    kind, region = authority.caller_kind(caller), caller.region_code
    if kind is None or region is None:
        return false()
    listed = Hazard.lister_kind.is_not(None)
    body_region = case((listed, Hazard.lister_region_code), else_=Hazard.supervising_region_code)
    body_kind = case((listed, Hazard.lister_kind), else_=Hazard.supervising_kind)
    as_lister = (body_region == region) & (body_kind == kind)
    below = _children(body_region, region)
    return as_lister | (below if kind == COMMITTEE else below & (body_kind == kind))


async def candidates(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    *,
    region_prefix: str | None = None,
    industry: str | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
    reinspected: bool | None = None,
) -> Rows:
    """The 清单's closed 重大 hazards the caller may re-inspect — to draw a batch from."""
    query = select(Hazard).where(
        visible_rows(caller, Hazard.region_code, Hazard.enterprise_code),
        Hazard.state == CLOSED,
        Hazard.grade == MAJOR,
        may_reinspect(caller),
    )
    if region_prefix:
        query = query.where(Hazard.region_code.startswith(region_prefix, autoescape=True))
    if industry is not None:
        query = query.where(Hazard.industry == industry)
    if closed_from is not None:
        query = query.where(Hazard.closed_at >= _day_start(closed_from))
    if closed_to is not None:
        query = query.where(Hazard.closed_at < _day_start(closed_to + timedelta(days=1)))
    if reinspected is not None:
        done = exists().where(Reinspection.hazard_id == Hazard.id)
        query = query.where(done if reinspected else ~done)
    return await fetch_page(session, query, Hazard.id, params)


def to_read(record: Reinspection) -> ReinspectionRead:
    return ReinspectionRead(
        id=record.id,
        hazard_id=record.hazard_id,
        region_code=record.region_code,
        industry=record.industry,
        inspected_at=record.inspected_at,
        inspectors=record.inspectors,
        result=Result(record.result),
        result_title=RESULT_TITLES[Result(record.result)],
        findings=record.findings,
        capacity=Capacity(record.capacity),
        capacity_title=CAPACITY_TITLES[Capacity(record.capacity)],
        body=BodyRef(region_code=record.body_region_code, kind=record.body_kind, name=record.body_name),
        recorded_by=record.recorded_by,
        new_hazard_id=record.new_hazard_id,
        created_at=record.created_at,
    )
