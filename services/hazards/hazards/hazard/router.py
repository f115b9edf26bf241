from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from hazards.departments.schemas import IndustryCode
from hazards.hazard import actions, batch, ledger, service
from hazards.hazard.lifecycle import ENTERPRISE, HAZARD_LIFECYCLE, STAFF
from hazards.hazard.schemas import (
    BatchReport,
    BatchResult,
    Grade,
    HazardCreate,
    HazardRead,
    LedgerResult,
)
from hazards.spreadsheets import NotASpreadsheet, RowsRejected
from qingling.audit import AuditEntryRead, TrailVerification
from qingling.auth.access import HazardsReader, allow
from qingling.auth.principal import Principal
from qingling.auth.scopes import Scope
from qingling.db import DbSession
from qingling.errors import PayloadTooLarge, ValidationFailed, problem_responses
from qingling.idempotency import APIRouter, IdempotencyKeyMissing, IdempotencyKeyReused
from qingling.inputs import DbId, QueryDate, QueryTime
from qingling.lifecycle import ActionableBy, NotTheAuthority, action_routes
from qingling.pagination import Page, PageQuery
from qingling.regions import Level
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/hazards", tags=["hazards"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", summary="上报隐患", status_code=201, responses=problem_responses(ValidationFailed))
async def report_hazard(
    body: HazardCreate,
    caller: Annotated[Principal, allow(*STAFF, *ENTERPRISE, scope=Scope.HAZARDS_WRITE)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> HazardRead:
    """企业自查自报本企业的隐患，或监管人员登记检查发现的隐患。重大隐患须注明发现之日有效的判定标准和条款，并附现状原因、危害程度、治理方案。"""
    now = runtime.clock.now()
    return service.to_read(await service.report(session, caller, body, now), caller, now)


@router.post(
    "/batch",
    summary="批量自报隐患（企业系统）",
    status_code=201,
    response_model=BatchResult,
    dependencies=[Depends(batch.at_most_a_thousand), Depends(batch.rules_beside_the_format)],
    responses=problem_responses(
        batch.BatchRejected,
        batch.BatchTooLarge,
        batch.ScopeMissing,
        IdempotencyKeyMissing,
        IdempotencyKeyReused,
    ),
)
async def report_batch(
    body: BatchReport,
    request: Request,
    caller: Annotated[Principal, allow(*ENTERPRISE, scope=Scope.HAZARDS_WRITE)],
    runtime: CurrentRuntime,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """一次最多 1,000 条，整批校验：任何一条有误返回 422 并逐条列出全部错误，不保存任何一条；超过 1,000 条返回 413。
    必须带 `Idempotency-Key`：网络中断后用同一个值重试，返回首次的结果而不会重复保存；同一值用于内容不同的请求返回 422，
    首次请求仍在处理时返回 409。企业系统客户端须具备 `hazards:write` 授权。"""
    stored = await batch.report(runtime, caller, body, idempotency_key, await request.body(), request.url.path)
    return JSONResponse(stored.body, status_code=stored.status_code)


@router.get(
    "/ledger-template",
    summary="下载隐患台账导入模板",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 模板"}},
    dependencies=[allow(*STAFF, *ENTERPRISE, scope=Scope.HAZARDS_READ)],
)
async def ledger_template() -> Response:
    """第一行为列名，第二行为示例。隐患等级填“一般/重大”，整改状态填“未整改/整改中/已销号”。"""
    headers = {"Content-Disposition": 'attachment; filename="hazard-ledger-template.xlsx"'}
    return Response(ledger.SHEET.template(), media_type=XLSX, headers=headers)


@router.post(
    "/ledger-import",
    summary="导入已有隐患台账",
    status_code=201,
    responses=problem_responses(RowsRejected, NotASpreadsheet, PayloadTooLarge),
)
async def import_ledger(
    file: UploadFile,
    caller: Annotated[Principal, allow(*STAFF, *ENTERPRISE, scope=Scope.HAZARDS_WRITE)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> LedgerResult:
    """企业导入本企业台账，监管人员导入辖区内企业的台账（须填统一社会信用代码）。
    按发现日期区分 2024 年以前的存量隐患和新增隐患。
    整表校验：任何一行有错则返回 422 并逐行逐列列出全部错误，不导入任何数据。"""
    return await ledger.import_ledger(session, caller, await file.read(), runtime.clock.now())


@router.get("", summary="查询隐患")
async def list_hazards(
    caller: HazardsReader,
    session: DbSession,
    runtime: CurrentRuntime,
    page: PageQuery,
    region_prefix: Annotated[str | None, Query(pattern=r"^\d{2,9}$")] = None,
    state: Annotated[HAZARD_LIFECYCLE.State | None, Query(description="状态代码")] = None,
    grade: Annotated[Grade | None, Query()] = None,
    source: Annotated[str | None, Query(pattern=r"^(self_report|inspection|tip_off)$")] = None,
    industry: Annotated[IndustryCode | None, Query()] = None,
    enterprise_id: Annotated[DbId | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="true 只看已超期未销号的")] = None,
    deadline_after: Annotated[QueryTime | None, Query(description="整改期限不早于此时刻")] = None,
    deadline_before: Annotated[QueryTime | None, Query(description="整改期限早于此时刻")] = None,
    department_id: Annotated[DbId | None, Query(description="督办（监管）部门")] = None,
    lister_level: Annotated[Level | None, Query(description="挂牌督办机关的层级")] = None,
    pre_2024_stock: Annotated[bool | None, Query(description="true 只看 2024 年以前的存量隐患，false 只看新增")] = None,
    closed_after: Annotated[QueryTime | None, Query(description="销号时间不早于此时刻（只含已销号的）")] = None,
    closed_before: Annotated[QueryTime | None, Query(description="销号时间早于此时刻（只含已销号的）")] = None,
    listed_from: Annotated[QueryDate | None, Query(description="挂牌日期不早于此日（含）")] = None,
    listed_to: Annotated[QueryDate | None, Query(description="挂牌日期不晚于此日（含）")] = None,
    step_due_after: Annotated[QueryTime | None, Query(description="下一步事项的期限不早于此时刻")] = None,
    step_due_before: Annotated[QueryTime | None, Query(description="下一步事项的期限早于此时刻")] = None,
    actionable_by: ActionableBy = None,
) -> Page[HazardRead]:
    """本辖区（企业：本企业）的隐患，按 ID 分页；`total` 为符合条件的总数。时间窗口的起点含、终点不含，
    与隐患统计的口径一致：如统计中某月“销号”的隐患即 closed_after=该月1日0时、closed_before=次月1日0时（北京时间）。"""
    now = runtime.clock.now()
    hazards = await service.page(
        session, caller, page, now, region_prefix=region_prefix, state=state, grade=grade, source=source,
        industry=industry, enterprise_id=enterprise_id, overdue=overdue, deadline_after=deadline_after,
        deadline_before=deadline_before, department_id=department_id, lister_level=lister_level,
        pre_2024_stock=pre_2024_stock, closed_after=closed_after, closed_before=closed_before,
        listed_from=listed_from, listed_to=listed_to, step_due_after=step_due_after, step_due_before=step_due_before,
        actionable=actionable_by == "me",
    )  # fmt: skip
    return Page.of([service.to_read(hazard, caller, now) for hazard in hazards], page, hazards.total)


@router.get("/{hazard_id}", summary="查看隐患", responses=problem_responses(service.HazardNotFound))
async def get_hazard(hazard_id: DbId, caller: HazardsReader, session: DbSession, runtime: CurrentRuntime) -> HazardRead:
    """含您现在可以进行的操作（按状态和您的职责）、督办部门与挂牌督办机关、整改期限与是否超期、下一步事项的期限。"""
    return service.to_read(await service.get(session, caller, hazard_id), caller, runtime.clock.now())


@router.get("/{hazard_id}/history", summary="隐患台账记录", responses=problem_responses(service.HazardNotFound))
async def hazard_history(hazard_id: DbId, caller: HazardsReader, session: DbSession) -> list[AuditEntryRead]:
    """每一步操作：谁、何时、以什么角色、理由、提交的内容及其摘要，按哈希链串联。"""
    return [AuditEntryRead.model_validate(entry) for entry in await service.history(session, caller, hazard_id)]


@router.get("/{hazard_id}/verify", summary="校验台账完整性", responses=problem_responses(service.HazardNotFound))
async def verify_history(
    hazard_id: DbId, caller: Annotated[Principal, allow(*STAFF)], session: DbSession
) -> TrailVerification:
    """逐条校验哈希链并与隐患记录上的链尾比对；任何一条被改动或末尾被删除，都指出第一条不符的记录。"""
    return TrailVerification.model_validate(await service.verify(session, caller, hazard_id))


async def _act(session, runtime, caller, hazard_id, transition, payload) -> HazardRead:
    now = runtime.clock.now()
    hazard = await service.act(session, runtime, caller, hazard_id, transition, payload, now)
    return service.to_read(hazard, caller, now)


actions_router = action_routes(
    HAZARD_LIFECYCLE,
    _act,
    prefix="/hazards",
    item="隐患",
    response_model=HazardRead,
    tags=["hazard-actions"],
    problems=(
        service.HazardNotFound,
        NotTheAuthority,
        actions.GradeMismatch,
        actions.NoticeNoTaken,
        ValidationFailed,
    ),
)
