"""Departments per region, and the resolution "who handles industry I at region R"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.models import Department
from hazards.departments.schemas import DepartmentCreate, DepartmentRead, DepartmentUpdate, Resolution
from hazards.industries.catalogue import INDUSTRY_BY_CODE, KIND_BY_CODE, KIND_ORDER
from hazards.regions import service as regions
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import OutsideJurisdiction, can_see
from qingling.errors import Conflict, FieldError, NotFound, ValidationFailed
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level


class DepartmentNotFound(NotFound):
    code, title = "department-not-found", "部门不存在"


class DepartmentExists(Conflict):
    code, title = "department-exists", "该地区已有同类部门"


class IndustriesWouldBeDropped(Conflict):
    code, title = "department-industries-unassigned", "去掉的行业领域须先交由本地区其他部门监管"


class NoResponsibleDepartment(NotFound):
    code, title = "no-responsible-department", "该地区及其上级均未设置监管该行业的部门，请联系管理员补充部门设置"


def _ensure_admin_of(caller: Principal, region_code: str) -> None:
    if not (caller.has(Role.ADMIN, Role.SERVICE) and can_see(caller, region_code=region_code, enterprise_code=None)):
        raise OutsideJurisdiction(f"{region_code} 不在您的管辖范围内")


async def create(session: AsyncSession, caller: Principal, data: DepartmentCreate, now: datetime) -> Department:
    _ensure_admin_of(caller, data.region_code)
    await regions.ensure_exists(session, data.region_code)
    department = Department(
        region_code=data.region_code,
        kind=data.kind,
        name=data.name,
        industries=sorted(set(data.industries if data.industries is not None else KIND_BY_CODE[data.kind].industries)),
        phone=data.phone,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(department)
    except IntegrityError:
        raise DepartmentExists(f"{data.region_code} 已有 {KIND_BY_CODE[data.kind].name} 类部门") from None
    return department


async def page(
    session: AsyncSession, region_prefix: str | None, kind: str | None, params: PageParams
) -> list[Department]:
    query = select(Department)
    if region_prefix:
        query = query.where(Department.region_code.startswith(region_prefix))
    if kind:
        query = query.where(Department.kind == kind)
    return await fetch_page(session, query, Department.id, params)


async def update(
    session: AsyncSession, caller: Principal, department_id: int, changes: DepartmentUpdate, now: datetime
) -> Department:
    department = await session.get(Department, department_id)
    if department is None or not can_see(caller, region_code=department.region_code, enterprise_code=None):
        raise DepartmentNotFound()  # one outside the caller's jurisdiction is not there for them
    _ensure_admin_of(caller, department.region_code)
    values = changes.model_dump(exclude_unset=True)
    if "industries" in values:
        values["industries"] = sorted(set(values["industries"]))
    await _keep_industries_supervised(session, department, values)
    for field, value in values.items():
        setattr(department, field, value)
    department.updated_at = now
    return department


async def _keep_industries_supervised(session: AsyncSession, department: Department, values: dict) -> None:
    """A department keeps each industry it supervises (or stops being active) only once another
    active department of the same place supervises it: reference data is not erased by mistake."""
    if not department.active:
        return
    kept = set() if values.get("active") is False else set(values.get("industries", department.industries))
    dropped = set(department.industries) - kept
    if not dropped:
        return
    others = select(Department).where(
        Department.region_code == department.region_code, Department.active, Department.id != department.id
    )
    for other in (await session.execute(others)).scalars():
        dropped -= set(other.industries)
    if dropped:
        names = "、".join(INDUSTRY_BY_CODE[code].name if code in INDUSTRY_BY_CODE else code for code in sorted(dropped))
        field = "industries" if "industries" in values else "active"
        message = f"{department.name}是本地区唯一监管{names}的部门；请先把这些行业领域交给本地区其他部门"
        raise IndustriesWouldBeDropped(
            message, errors=[FieldError(location="body", field=f"/{field}", message=message)]
        )


async def resolve(session: AsyncSession, region_code: str, industry: str) -> Resolution:
    """The lead department for ``industry`` at ``region_code`` and its co-handlers.

    Territory first (属地): the place's own level, walking up to the province when a level has
    no department supervising the industry. A town's own offices assist but never lead: tip-offs
    are handled at county level and above. Among several departments at the deciding level the
    industry's lead kind leads (管行业必须管安全); the others co-handle.
    """
    if industry not in INDUSTRY_BY_CODE:
        raise ValidationFailed.for_field("industry", f"没有行业领域 {industry}", location="query")
    region = await regions.ensure_exists(session, region_code)
    chain = [region, *reversed(await regions.ancestors(session, region))]
    assisting: list[Department] = []
    lead_kind = INDUSTRY_BY_CODE[industry].lead_kind
    for place in chain:
        supervising = await _supervising(session, place.code, industry)
        if place.level == Level.TOWN:
            assisting += supervising
            continue
        if supervising:
            supervising.sort(key=lambda d: (d.kind != lead_kind, KIND_ORDER.get(d.kind, len(KIND_ORDER)), d.id))
            lead, *others = supervising
            return Resolution(
                region_code=region_code,
                industry=industry,
                lead=DepartmentRead.model_validate(lead),
                co_handlers=[DepartmentRead.model_validate(d) for d in [*others, *assisting]],
                resolved_at=place.code,
            )
    raise NoResponsibleDepartment(f"{region.name}及其上级没有监管“{INDUSTRY_BY_CODE[industry].name}”的部门")


async def _supervising(session: AsyncSession, region_code: str, industry: str) -> list[Department]:
    query = select(Department).where(Department.region_code == region_code, Department.active)
    return [d for d in (await session.execute(query)).scalars() if industry in d.industries]
