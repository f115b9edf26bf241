from enum import IntEnum
from typing import Annotated

from fastapi import Query, Response

from hazards.figures import service as figures
from hazards.hazard.lifecycle import STAFF
from hazards.returns import rankings, service
from hazards.returns.lifecycle import RETURN_LIFECYCLE
from hazards.returns.periods import LABEL_PATTERN
from hazards.returns.schemas import RankBy, Ranked, Rankings, ReturnKind, ReturnRead, ReturnsOverview
from hazards.returns.tables import ReturnTables
from qingling.audit import AuditEntryRead, TrailVerification
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.exports import CSV, XLSX, ExportFormat, content_disposition, to_csv, to_xlsx
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.lifecycle import ActionableBy, NotTheAuthority, action_routes
from qingling.pagination import Page, PageQuery
from qingling.periods import AsOfInFuture, PeriodAsOfQuery, PeriodQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/returns", tags=["returns"])
Staff = Annotated[Principal, allow(*STAFF)]
PeriodLabel = Annotated[
    str | None, Query(pattern=LABEL_PATTERN, description="报告期：周 2025-W18、月 2025-04、季 2025-Q1、年 2025")
]
Kind = Annotated[ReturnKind | None, Query(description="weekly 周报、monthly 月报、quarterly 季报、annual 年报")]
RegionCode = Annotated[str | None, Query(pattern=r"^\d{6}$", description="安委办所在地区（县级及以上）")]


@router.get("", summary="查询报表")
async def list_returns(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    page: PageQuery,
    state: Annotated[RETURN_LIFECYCLE.State | None, Query(description="状态代码")] = None,
    kind: Kind = None,
    period: PeriodLabel = None,
    department_id: Annotated[DbId | None, Query(description="报送部门")] = None,
    region_prefix: Annotated[str | None, Query(pattern=r"^\d{2,9}$", description="报送部门所在地区的代码前缀")] = None,
    committee_region_code: RegionCode = None,
    outstanding: Annotated[
        bool | None, Query(description="true 只看未报送的（待编制、已编制未报送、被退回），false 只看已报送的")
    ] = None,
    overdue: Annotated[bool | None, Query(description="true 只看已过报送期限仍未报送的")] = None,
    actionable_by: ActionableBy = None,
) -> Page[ReturnRead]:
    """本辖区各部门的报表（周报、月报、季报、年报），按 ID 分页。安委办用 `committee_region_code`（本级）和
    `outstanding=true` 查看谁还没有报送。"""
    now = runtime.clock.now()
    items = await service.page(
        session, caller, page, now, state=state, kind=kind, period=period, department_id=department_id,
        region_prefix=region_prefix, committee_region_code=committee_region_code, outstanding=outstanding,
        overdue=overdue, actionable=actionable_by == "me",
    )  # fmt: skip
    return Page.of([service.to_read(item, caller, now) for item in items], page, items.total)


@router.get("/overview", summary="报表报送情况（安委办）", responses=problem_responses(OutsideJurisdiction))
async def returns_overview(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    committee_region_code: RegionCode = None,
    kind: Kind = None,
    period: PeriodLabel = None,
    latest: Annotated[int, Query(ge=1, le=24, description="不指定报告期时，每种报表显示最近几个报告期")] = 3,
) -> ReturnsOverview:
    """报本级安委办的报表：每种报表、每个报告期应报、已报送、已签收、未报送（其中已超期）的部门数，并列出未报送的部门。
    默认为您所在地区的安委办；上级可查看辖区内下级安委办的情况。"""
    return await service.overview(
        session, caller, runtime.clock.now(), committee_region_code=committee_region_code, kind=kind,
        period=period, latest=latest,
    )  # fmt: skip


@router.get("/{return_id}", summary="查看报表", responses=problem_responses(service.ReturnNotFound))
async def get_return(return_id: DbId, caller: Staff, session: DbSession, runtime: CurrentRuntime) -> ReturnRead:
    """含报表的数字（按报告期最后一刻取得）、报送期限与是否超期、您现在可以进行的操作。"""
    return service.to_read(await service.get(session, caller, return_id), caller, runtime.clock.now())


class TableNumber(IntEnum):
    HAZARDS = 1
    TIP_OFFS = 2


FILES = {
    200: {
        "content": {CSV: {}, XLSX: {}},
        "description": "报表的各张表：JSON，或 format=csv / xlsx 时为文件下载",
        "headers": {
            "Content-Disposition": {
                "description": "下载文件时：attachment；filename 为 ASCII 名，filename* 为中文名（RFC 6266/5987）",
                "schema": {"type": "string"},
            }
        },
    },
    **problem_responses(service.ReturnNotFound, service.ReturnNotPrepared),
}


@router.get("/{return_id}/tables", summary="导出报表的各张表", response_model=ReturnTables, responses=FILES)
async def return_tables(
    return_id: DbId,
    caller: Staff,
    session: DbSession,
    export_format: Annotated[
        ExportFormat,
        Query(alias="format", description="json（默认）；csv（一张表，见 table）；xlsx（每张表一个工作表）"),
    ] = ExportFormat.JSON,
    table: Annotated[TableNumber, Query(description="csv 导出哪张表：1 隐患排查治理情况，2 举报办理和奖励情况")] = (
        TableNumber.HAZARDS
    ),
) -> Response | ReturnTables:
    """表一 隐患排查治理情况（按下一级行政区划，末行合计），表二 举报办理和奖励情况（本地区合计、本部门主办）。
    数字为报表编制时按报告期最后一刻取得并保存的数字，与报送的内容一致。Excel 第一行为表题，第二行为填报单位、
    报告期和统计时点，第三行为中文表头并冻结。尚未编制的报表返回 409。"""
    read, made = await service.return_tables(session, caller, return_id)
    if export_format is ExportFormat.JSON:
        return read
    stem = f"{read.title.replace(' ', '_')}"
    fallback = f"return-{return_id}"
    if export_format is ExportFormat.CSV:
        chosen = made[table - 1]
        body, media_type = to_csv(chosen), CSV
        name, fallback = f"{stem}_表{table}.csv", f"{fallback}-table{table}.csv"
    else:
        body, media_type, name, fallback = to_xlsx(*made), XLSX, f"{stem}.xlsx", f"{fallback}.xlsx"
    return Response(body, media_type=media_type, headers={"Content-Disposition": content_disposition(name, fallback)})


@router.get("/{return_id}/history", summary="报表台账记录", responses=problem_responses(service.ReturnNotFound))
async def return_history(return_id: DbId, caller: Staff, session: DbSession) -> list[AuditEntryRead]:
    """每一步：生成、编制、报送、退回、签收、期限重算——谁、何时、理由、内容及其摘要，按哈希链串联。"""
    return [AuditEntryRead.model_validate(entry) for entry in await service.history(session, caller, return_id)]


@router.get("/{return_id}/verify", summary="校验报表台账完整性", responses=problem_responses(service.ReturnNotFound))
async def verify_return_history(return_id: DbId, caller: Staff, session: DbSession) -> TrailVerification:
    """逐条校验哈希链并与报表上的链尾比对。"""
    return TrailVerification.model_validate(await service.verify(session, caller, return_id))


async def _act(session, runtime, caller, return_id, transition, payload) -> ReturnRead:
    now = runtime.clock.now()
    item = await service.act(session, runtime, caller, return_id, transition, payload, now)
    return service.to_read(item, caller, now)


actions_router = action_routes(
    RETURN_LIFECYCLE,
    _act,
    prefix="/returns",
    item="报表",
    response_model=ReturnRead,
    tags=["return-actions"],
    problems=(service.ReturnNotFound, NotTheAuthority),
)


rankings_router = APIRouter(prefix="/rankings", tags=["rankings"])


@rankings_router.get(
    "",
    summary="排名（按期整改率、超期隐患、清零进展）",
    responses=problem_responses(OutsideJurisdiction, AsOfInFuture),
)
async def hazard_rankings(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    period: PeriodQuery,
    as_of: PeriodAsOfQuery,
    region_prefix: Annotated[
        str | None,
        Query(pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9})$", description="排名范围：本辖区内的行政区划代码前缀；不填为本辖区"),
    ] = None,
    ranked: Annotated[Ranked, Query(description="region 下一级行政区划，department 督办（监管）部门")] = Ranked.REGION,
    sort: Annotated[RankBy, Query(description="排列依据：on_time_rate、overdue 或 zeroing")] = RankBy.ON_TIME,
) -> Rankings:
    """安委办月通报用：本辖区下一级行政区划（或各督办部门）在统计期间的按期整改率、截至统计时点的超期隐患数和
    清零进展（未销号重大隐患、未销号存量隐患）及其名次。数字与隐患统计相同（同一统计时点）。
    统计期间用 month、quarter、year 或 from/to 指定，不填为本月。"""
    now = runtime.clock.now()
    return await rankings.rankings(
        session, prefix=figures.scope_of(caller, region_prefix), period=period, as_of=as_of, now=now, ranked=ranked,
        sort=sort,
    )  # fmt: skip
