from typing import Annotated

from fastapi import Query

from hazards.regions import service
from hazards.regions.schemas import RegionDetail, RegionRead
from qingling.auth.access import public
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.regions import RegionCode

router = APIRouter(prefix="/regions", tags=["regions"], dependencies=[public()])


@router.get("", summary="下级行政区划")
async def list_children(
    session: DbSession,
    parent: Annotated[RegionCode | None, Query(description="上级区划代码；不传则列出各省级行政区")] = None,
) -> list[RegionRead]:
    """某一区划的直接下级（省→市→县→乡镇街道）。"""
    return [RegionRead.model_validate(region) for region in await service.children(session, parent)]


@router.get("/search", summary="按名称查找行政区划")
async def search_regions(
    session: DbSession,
    name: Annotated[str, Query(min_length=1, max_length=20, description="名称中的任意片段，如“德清”")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[RegionRead]:
    return [RegionRead.model_validate(region) for region in await service.search(session, name, limit)]


@router.get("/{code}", summary="查看行政区划", responses=problem_responses(service.RegionNotFound))
async def get_region(code: RegionCode, session: DbSession) -> RegionDetail:
    """区划本身及其各级上级。"""
    region = await service.get(session, code)
    ancestors = await service.ancestors(session, region)
    return RegionDetail(
        **RegionRead.model_validate(region).model_dump(),
        ancestors=[RegionRead.model_validate(item) for item in ancestors],
        full_name="".join(item.name for item in [*ancestors, region]),
    )
