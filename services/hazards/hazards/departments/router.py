from typing import Annotated

from fastapi import Query

from hazards.departments import service
from hazards.departments.schemas import (
    DepartmentCreate,
    DepartmentKindCode,
    DepartmentRead,
    DepartmentUpdate,
    IndustryCode,
    Resolution,
)
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import OutsideJurisdiction
from qingling.auth.scopes import ServiceScope
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.pagination import Page, PageQuery
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/departments", tags=["departments"])

Administrator = Annotated[Principal, allow(Role.ADMIN)]
# People; and a service routing a tip-off (which department handles this place and industry).
Reader = Annotated[Principal, allow(scope=ServiceScope.REGISTER_READ)]


@router.get(
    "/resolve",
    summary="谁来办：按地区和行业确定主办、协办部门",
    responses=problem_responses(service.NoResponsibleDepartment, ValidationFailed),
)
async def resolve(
    caller: Reader,
    session: DbSession,
    region_code: Annotated[RegionCode, Query(description="事发地区划代码（县级或乡镇）")],
    industry: Annotated[IndustryCode, Query(description="行业领域代码")],
) -> Resolution:
    """属地为主、行业归口：本级没有监管该行业的部门时逐级向上查找；乡镇（街道）只协办不主办。举报分办即据此确定承办部门。"""
    return await service.resolve(session, region_code, industry)


@router.get("", summary="部门列表")
async def list_departments(
    caller: Reader,
    session: DbSession,
    page: PageQuery,
    region_prefix: Annotated[str | None, Query(pattern=r"^\d{2,9}$", description="区划代码前缀")] = None,
    kind: Annotated[DepartmentKindCode | None, Query()] = None,
) -> Page[DepartmentRead]:
    """各地负有安全监管职责的部门及其监管的行业。"""
    departments = await service.page(session, region_prefix, kind, page)
    return Page.of([DepartmentRead.model_validate(d) for d in departments], page, departments.total)


@router.post(
    "",
    summary="设置部门",
    status_code=201,
    responses=problem_responses(OutsideJurisdiction, service.DepartmentExists, ValidationFailed),
)
async def create_department(
    body: DepartmentCreate, caller: Administrator, session: DbSession, runtime: CurrentRuntime
) -> DepartmentRead:
    """在本辖区内设置部门；不指定监管行业时采用该类别的默认范围。"""
    return DepartmentRead.model_validate(await service.create(session, caller, body, runtime.clock.now()))


@router.patch(
    "/{department_id}",
    summary="修改部门（名称、监管行业、停用）",
    responses=problem_responses(
        OutsideJurisdiction, service.DepartmentNotFound, service.IndustriesWouldBeDropped, ValidationFailed
    ),
)
async def update_department(
    department_id: DbId, body: DepartmentUpdate, caller: Administrator, session: DbSession, runtime: CurrentRuntime
) -> DepartmentRead:
    """监管行业的调整立即影响此后的举报分办。去掉某个行业领域（或停用部门）之前，须先把它交给本地区其他部门监管。"""
    department = await service.update(session, caller, department_id, body, runtime.clock.now())
    return DepartmentRead.model_validate(department)
