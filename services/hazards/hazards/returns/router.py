from typing import Annotated

from fastapi import APIRouter, Query

from hazards.hazard.lifecycle import STAFF
from hazards.returns import service
from hazards.returns.lifecycle import RETURN_LIFECYCLE
from hazards.returns.periods import LABEL_PATTERN
from hazards.returns.schemas import ReturnKind, ReturnRead, ReturnsOverview
from qingling.audit import AuditEntryRead, TrailVerification
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.inputs import DbId
from qingling.lifecycle import NotTheAuthority, action_routes
from qingling.pagination import Page, PageQuery
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
) -> Page[ReturnRead]:
    """本辖区各部门的报表（周报、月报、季报、年报），按 ID 分页。安委办用 `committee_region_code`（本级）和
    `outstanding=true` 查看谁还没有报送。"""
    now = runtime.clock.now()
    items = await service.page(
        session, caller, page, now, state=state, kind=kind, period=period, department_id=department_id,
        region_prefix=region_prefix, committee_region_code=committee_region_code, outstanding=outstanding,
        overdue=overdue,
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
