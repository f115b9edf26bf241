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
from qingling.errors import Conflict, NotFound, ValidationFailed
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level


class DepartmentNotFound(NotFound):
    code, title = "department-not-found", "部门不存在"


class DepartmentExists(Conflict):
    code, title = "department-exists", "该地区已有同类部门"


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
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(department, field, sorted(set(value)) if field == "industries" else value)
    department.updated_at = now
    return department


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
