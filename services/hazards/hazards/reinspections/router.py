from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.schemas import IndustryCode
from hazards.hazard import service as hazards
from hazards.hazard.lifecycle import STAFF
from hazards.hazard.schemas import HazardRead
from hazards.reinspections import service
from hazards.reinspections.exceptions import BatchRejected, HazardNotClosed, HazardNotMajor, ReinspectionNotFound
from hazards.reinspections.schemas import BatchCreate, BatchResult, ReinspectionCreate, ReinspectionRead, Result
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import (
    APIRouter,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    fingerprint,
    run_once,
)
from qingling.inputs import DbId, QueryDate
from qingling.lifecycle import NotTheAuthority
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime

Staff = Annotated[Principal, allow(*STAFF)]
RegionPrefix = Annotated[str | None, Query(pattern=r"^\d{2,9}$", description="隐患所在地的行政区划代码前缀")]
Industry = Annotated[IndustryCode | None, Query(description="行业")]

hazard_router = APIRouter(prefix="/hazards", tags=["reinspections"])


@hazard_router.post(
    "/{hazard_id}/reinspections",
    summary="回头看（已销号的重大隐患）",
    status_code=201,
    responses=problem_responses(
        hazards.HazardNotFound, HazardNotClosed, HazardNotMajor, NotTheAuthority, ValidationFailed
    ),
)
async def reinspect_hazard(
    hazard_id: DbId, body: ReinspectionCreate, caller: Staff, session: DbSession, runtime: CurrentRuntime
) -> ReinspectionRead:
    """由挂牌督办机关（未挂牌的为督办部门）或其上一级（上一级的同类部门或安委办）对已销号的重大隐患进行回头看，
    记录检查时间、人员、结果和检查情况，并记入原隐患台账。不合格的（隐患复发或整改不到位）须附重大隐患报告，
    同时新建一条重大隐患：同一企业、来源为监督检查、状态为“已上报”，由督办部门认定并下达限期整改指令，
    其 recurrence_of_id 为原隐患；统计计为“复发”。未销号的返回 409 reinspection-hazard-not-closed，
    一般隐患返回 409 reinspection-hazard-not-major，无权的返回 403 并指明应由谁进行。"""
    record = await service.reinspect(session, caller, hazard_id, body, runtime.clock.now())
    return service.to_read(record)


@hazard_router.get(
    "/{hazard_id}/reinspections",
    summary="隐患的回头看记录",
    responses=problem_responses(hazards.HazardNotFound),
)
async def list_hazard_reinspections(hazard_id: DbId, caller: Staff, session: DbSession) -> list[ReinspectionRead]:
    """这条隐患历次回头看的结果，按记录先后。"""
    return [service.to_read(record) for record in await service.of_hazard(session, caller, hazard_id)]


router = APIRouter(prefix="/reinspections", tags=["reinspections"])


@router.post(
    "",
    summary="批量记录回头看结果",
    status_code=201,
    response_model=BatchResult,
    responses=problem_responses(BatchRejected, NotTheAuthority, IdempotencyKeyMissing, IdempotencyKeyReused),
)
async def reinspect_batch(
    body: BatchCreate,
    request: Request,
    caller: Staff,
    runtime: CurrentRuntime,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """一次回头看行动的结果（如本县上年销号的重大隐患，从 GET /reinspections/candidates 选取），每条一个隐患，
    各项与单条回头看相同。整批校验：任何一条有误（隐患不存在或不在管辖范围内、未销号、一般隐患、重复、内容有误）
    返回 422 并逐条列出，只有无权回头看的返回 403 并逐条列出；都不保存。不合格的各自新建一条隐患。
    必须带 `Idempotency-Key`：用同一个值重试返回首次的结果，不会重复记录、重复新建隐患。"""

    async def work(session: AsyncSession) -> tuple[int, Any]:
        records = await service.reinspect_batch(session, caller, body, runtime.clock.now())
        result = BatchResult(
            created=len(records),
            failed=sum(record.result == Result.FAILED for record in records),
            reinspections=[service.to_read(record) for record in records],
        )
        return 201, result.model_dump(mode="json")

    request_fingerprint = fingerprint("POST", request.url.path, await request.body())
    stored = await run_once(runtime, caller.subject, idempotency_key, request_fingerprint, work)
    return JSONResponse(stored.body, status_code=stored.status_code)


@router.get("", summary="查询回头看记录")
async def list_reinspections(
    caller: Staff,
    session: DbSession,
    page: PageQuery,
    region_prefix: RegionPrefix = None,
    result: Annotated[Result | None, Query(description="passed 合格；failed 不合格（复发）")] = None,
    industry: Industry = None,
    inspected_from: Annotated[QueryDate | None, Query(description="检查日期不早于此日（含，北京时间）")] = None,
    inspected_to: Annotated[QueryDate | None, Query(description="检查日期不晚于此日（含，北京时间）")] = None,
    by_me: Annotated[
        bool | None, Query(description="true 只看本部门（本级安委办）进行的，false 只看其他机关的")
    ] = None,
) -> Page[ReinspectionRead]:
    """本辖区隐患的回头看记录，按 ID 分页；`total` 为符合条件的总数。"""
    records = await service.page(
        session, caller, page, region_prefix=region_prefix, result=result, industry=industry,
        inspected_from=inspected_from, inspected_to=inspected_to, by_me=by_me,
    )  # fmt: skip
    return Page.of([service.to_read(record) for record in records], page, records.total)


@router.get("/candidates", summary="可回头看的重大隐患（清单中已销号的）")
async def reinspection_candidates(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    page: PageQuery,
    region_prefix: RegionPrefix = None,
    industry: Industry = None,
    closed_from: Annotated[QueryDate | None, Query(description="销号日期不早于此日（含，北京时间）")] = None,
    closed_to: Annotated[QueryDate | None, Query(description="销号日期不晚于此日（含，北京时间）")] = None,
    reinspected: Annotated[bool | None, Query(description="true 只看已回头看过的，false 只看尚未回头看的")] = None,
) -> Page[HazardRead]:
    """重大事故隐患清单中已销号、由您（本部门或本级安委办）挂牌督办或由下一级挂牌督办的隐患，按 ID 分页：
    回头看从这里选取，批量记录时提交其 ID。"""
    now = runtime.clock.now()
    found = await service.candidates(
        session, caller, page, region_prefix=region_prefix, industry=industry, closed_from=closed_from,
        closed_to=closed_to, reinspected=reinspected,
    )  # fmt: skip
    return Page.of([hazards.to_read(hazard, caller, now) for hazard in found], page, found.total)


@router.get("/{reinspection_id}", summary="查看回头看记录", responses=problem_responses(ReinspectionNotFound))
async def get_reinspection(reinspection_id: DbId, caller: Staff, session: DbSession) -> ReinspectionRead:
    """一次回头看：哪条隐患、谁（哪个机关、以什么身份）、何时、结果、检查情况，不合格时新建的隐患。"""
    return service.to_read(await service.get(session, caller, reinspection_id))
