from typing import Annotated

from fastapi import Query

from hazards.departments.schemas import IndustryCode
from hazards.figures import schemas, service
from hazards.hazard.lifecycle import STAFF
from hazards.hazard.schemas import Grade
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.periods import AsOfInFuture, AsOfQuery, PeriodAsOfQuery, PeriodQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/figures", tags=["figures"])

SOURCES = r"^(self_report|inspection|tip_off)$"
Staff = Annotated[Principal, allow(*STAFF)]
RegionPrefix = Annotated[
    str | None,
    Query(
        pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9})$",
        description="统计范围：本辖区内的行政区划代码前缀（省 2 位、市 4 位、县 6 位、乡镇 9 位）；不填为本辖区",
    ),
]


@router.get(
    "",
    summary="隐患统计（按区域、行业、部门、等级、来源、判定标准）",
    responses=problem_responses(OutsideJurisdiction, AsOfInFuture),
)
async def hazard_figures(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    period: PeriodQuery,
    as_of: PeriodAsOfQuery,
    group_by: Annotated[schemas.GroupBy, Query(description="分组维度")] = schemas.GroupBy.REGION,
    region_prefix: RegionPrefix = None,
    industry: Annotated[IndustryCode | None, Query(description="只统计该行业")] = None,
    grade: Annotated[Grade | None, Query(description="只统计该等级")] = None,
    source: Annotated[str | None, Query(pattern=SOURCES, description="只统计该来源")] = None,
    department_id: Annotated[DbId | None, Query(description="只统计该督办（监管）部门的")] = None,
) -> schemas.HazardFigures:
    """本辖区（或其中一个行政区划）隐患的发现、销号、整改率、按期整改率、超期率、未销号重大隐患、超期隐患、
    存量与新增、销号用时，合计并按一个维度分组；按区域分组为下一级行政区划（用 region_prefix 逐级下钻到乡镇街道）。
    统计期间用 month（2025-03）、quarter（2025-Q3）、year（2025）或 from/to（日期，含）指定，不填为本月。
    按统计时点 as_of（默认为统计期间结束时，尚未结束的为现在）系统中的记录统计：此后的销号、延期、调整等级不改变结果，
    同一时点任何时候统计结果都相同。
    各项的定义见响应结构的说明。"""
    now = runtime.clock.now()
    return await service.figures(
        session,
        prefix=service.scope_of(caller, region_prefix),
        period=period,
        as_of=as_of,
        now=now,
        group_by=group_by,
        filters=service.Filters(industry=industry, grade=grade, source=source, department_id=department_id),
    )


@router.get(
    "/zeroing",
    summary="重大事故隐患动态清零进展",
    responses=problem_responses(OutsideJurisdiction, AsOfInFuture),
)
async def zeroing_progress(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    as_of: AsOfQuery,
    region_prefix: RegionPrefix = None,
) -> schemas.ZeroingProgress:
    """三年行动目标的进展，合计并按下一级行政区划分组：2024 年以前存量隐患及其在 2024 年底前的清零情况，
    2024—2025 年每季度新增的重大隐患，自 2024 年 1 月起每月末未销号的重大隐患数。按统计时点 as_of 统计。"""
    now = runtime.clock.now()
    return await service.zeroing(session, prefix=service.scope_of(caller, region_prefix), as_of=as_of, now=now)
