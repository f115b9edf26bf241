from typing import Annotated

from fastapi import Query

from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.auth.scope import OutsideJurisdiction
from qingling.auth.scopes import ServiceScope
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.periods import AsOfInFuture, PeriodAsOfQuery, PeriodQuery
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime
from reports.figures import service
from reports.figures.schemas import GROUP_BY_TITLES, GroupBy, TipOffFigures

router = APIRouter(tags=["figures"])
# Staff, as for the tip-off list; the hazards service for the monthly return (service:tip-off-figures).
Reader = Annotated[Principal, allow(*STAFF_ROLES, Role.SERVICE, scope=ServiceScope.TIP_OFF_FIGURES)]
GROUPINGS = "；".join(f"{key.value} {title}" for key, title in GROUP_BY_TITLES.items())


@router.get(
    "/figures",
    summary="举报和奖励统计",
    responses=problem_responses(OutsideJurisdiction, service.RegionRequired, AsOfInFuture, ValidationFailed),
)
async def tip_off_figures(
    caller: Reader,
    session: DbSession,
    runtime: CurrentRuntime,
    period: PeriodQuery,
    as_of: PeriodAsOfQuery,
    region_code: Annotated[
        RegionCode | None,
        Query(description="统计的行政区划：默认为本人所在地区；可指定辖区内的下级区划逐级下钻；服务之间调用必填"),
    ] = None,
    group_by: Annotated[GroupBy, Query(description=f"分组方式：{GROUPINGS}")] = GroupBy.REGION,
) -> TipOffFigures:
    """本辖区（与举报列表的可见范围相同，且只计所选区划内的举报）在统计期间的举报受理、核查、转为隐患、答复、异议和奖励数字，
    每个比率都给出分子和分母，各项的定义见响应结构中的说明。

    统计期间用 month（2025-03）、quarter（2025-Q3）、year（2025）或 from/to（日期，均含在内）之一指定，默认本月；
    均按北京时间。隐患服务生成月报等报表时以服务身份（授权范围 service:tip-off-figures）调用，须指定 region_code。"""
    return await service.figures(
        session, runtime, caller, region_code=region_code, period=period, as_of=as_of, group_by=group_by
    )
