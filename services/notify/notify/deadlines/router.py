from typing import Annotated

from fastapi import Query

from notify.deadlines import service
from notify.deadlines.schemas import DeadlineRead
from qingling.auth.access import HazardsReader
from qingling.db import DbSession
from qingling.idempotency import APIRouter
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/deadlines", tags=["deadlines"])


@router.get("", summary="期限看板")
async def deadline_board(
    caller: HazardsReader,
    session: DbSession,
    runtime: CurrentRuntime,
    page: PageQuery,
    overdue: Annotated[bool | None, Query(description="true 只看已超期的")] = None,
    region_prefix: Annotated[str | None, Query(pattern=r"^\d{2,9}$")] = None,
) -> Page[DeadlineRead]:
    """本辖区（企业：本企业）所有未销号事项的整改期限与下一步期限，超期的标出超期天数。由各业务服务的事件实时更新。"""
    now = runtime.clock.now()
    items = await service.board(session, caller, page, now, overdue=overdue, region_prefix=region_prefix)
    return Page.of([service.to_read(item, now) for item in items], page, items.total)
