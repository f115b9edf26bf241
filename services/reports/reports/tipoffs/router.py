from typing import Annotated

from fastapi import Header, Query, Request
from fastapi.responses import JSONResponse

from qingling.audit import AuditEntryRead, TrailVerification
from qingling.auth.access import MaybePrincipal, allow, public
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.db import DbSession
from qingling.errors import QinglingError, ValidationFailed, problem_responses
from qingling.idempotency import (
    PUBLIC,
    APIRouter,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    StoredResponse,
    fingerprint,
    idempotency,
    run_once,
)
from qingling.inputs import DbId, QueryTime
from qingling.lifecycle import ActionableBy, NotTheAuthority, action_routes
from qingling.limits import PerAddress
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime, Runtime
from reports import limits
from reports.tipoffs import actions, outward, service
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.schemas import (
    PRIVACY_NOTICE,
    PRIVACY_NOTICE_VERSION,
    Category,
    IndustryCode,
    PrivacyNotice,
    ReporterView,
    RevealedReporter,
    RevealRequest,
    StaffSubmission,
    TipOffRead,
    TipOffReceipt,
    TipOffSubmission,
)

router = APIRouter(tags=["tip-offs"])
INTAKE_PROBLEMS = problem_responses(
    ValidationFailed, service.NoticeNotRead, IdempotencyKeyMissing, IdempotencyKeyReused
)
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=255, description="每次举报一个新值（如 UUID），重试时不变")
]


@router.get("/privacy-notice", summary="举报人信息保护告知", dependencies=[public()])
async def privacy_notice() -> PrivacyNotice:
    """举报前须向举报人展示并取得同意；提交举报时在 consent.notice_version 中写明所同意的版本。"""
    return PrivacyNotice(version=PRIVACY_NOTICE_VERSION, text=PRIVACY_NOTICE)


@router.post(
    "/tip-offs",
    summary="举报（小程序、H5）",
    status_code=201,
    responses={**INTAKE_PROBLEMS, **problem_responses(limits.IntakeThrottled)},
)
async def submit(
    body: TipOffSubmission,
    request: Request,
    caller: MaybePrincipal,
    runtime: CurrentRuntime,
    idempotency_key: IdempotencyKey = None,
) -> TipOffReceipt:
    """无需登录即可匿名举报；小程序用户带上登录令牌，可在“我的举报”中查看。返回的回执码和查询密码只显示这一次。
    须带 `Idempotency-Key`：网络中断后用同一个值重试，得到同一张回执，不会重复举报。
    同一网络地址在一段时间内的举报次数有限（默认每小时 10 次），超过时返回 429 并在 `Retry-After` 中说明等待秒数。"""
    owner = caller.subject if caller is not None else PUBLIC
    return await _take_in(runtime, request, owner, caller, body, idempotency_key, PUBLIC_INTAKE)


@router.post("/tip-offs/entered", summary="接线员代为录入举报", status_code=201, responses=INTAKE_PROBLEMS)
async def enter(
    body: StaffSubmission,
    request: Request,
    caller: Annotated[Principal, allow(Role.OPERATOR)],
    runtime: CurrentRuntime,
    idempotency_key: IdempotencyKey = None,
) -> TipOffReceipt:
    """12350、12345 来电（或来信、来访、电子邮件）由接线员录入，记录来电流水号和时间；把回执码和查询密码告诉来电人。"""
    return await _take_in(runtime, request, caller.subject, caller, body, idempotency_key)


# The public's tip-offs per address: counted in the intake's own transaction (one transaction
# fewer per tip-off); a refused one is counted in a transaction of its own, a retry answered from
# its stored receipt not at all.
PUBLIC_INTAKE = PerAddress(limits.intake, limits.IntakeThrottled)


async def _take_in(
    runtime: Runtime,
    request: Request,
    owner: str,
    caller: Principal | None,
    body: TipOffSubmission | StaffSubmission,
    key: str | None,
    limited: PerAddress | None = None,
) -> JSONResponse:
    sealer = runtime.adapters.sealer
    context = f"receipt:{owner}:{key}"

    async def work(session) -> tuple[int, dict]:
        if limited is not None:
            await limited.admit(session, request)
        received = await service.receive(session, runtime, caller, body, runtime.clock.now())
        receipt = service.receipt(received).model_dump(mode="json")
        # The stored answer (replayed on a retry) keeps the secret sealed, like everything else at rest.
        return 201, {**receipt, "secret": sealer.seal(receipt["secret"], context)}

    fingerprinted = fingerprint(request.method, request.url.path, await request.body())
    try:
        stored: StoredResponse = await service.issued_once(lambda: run_once(runtime, owner, key, fingerprinted, work))
    except QinglingError as refused:
        if limited is not None and not isinstance(refused, limited.problem):
            await limited.count_refused(request)
        raise
    return JSONResponse({**stored.body, "secret": sealer.unseal(stored.body["secret"], context)}, status_code=201)


@router.get("/tip-offs", summary="查询举报")
async def list_tip_offs(
    caller: Annotated[Principal, allow(*STAFF_ROLES)],
    session: DbSession,
    runtime: CurrentRuntime,
    page: PageQuery,
    state: Annotated[TIP_OFF_LIFECYCLE.State | None, Query(description="状态代码")] = None,
    category: Annotated[Category | None, Query()] = None,
    lead_department_id: Annotated[DbId | None, Query(description="主办部门")] = None,
    mine: Annotated[bool, Query(description="true 只看本部门主办的")] = False,
    step_overdue: Annotated[bool | None, Query(description="true 只看当前环节已超期的")] = None,
    receipt_code: Annotated[str | None, Query(max_length=20, description="回执码（来电群众报出回执码时查找）")] = None,
    industry: Annotated[IndustryCode | None, Query(description="行业领域代码")] = None,
    enterprise_code: Annotated[
        str | None, Query(pattern=r"^[0-9A-Z]{18}$", description="被举报企业的统一社会信用代码")
    ] = None,
    received_after: Annotated[QueryTime | None, Query(description="接收时间不早于此时刻")] = None,
    received_before: Annotated[QueryTime | None, Query(description="接收时间早于此时刻")] = None,
    actionable_by: ActionableBy = None,
) -> Page[TipOffRead]:
    """本辖区的举报，按编号分页。举报事实已去除可识别举报人身份的信息。"""
    now = runtime.clock.now()
    tip_offs = await service.page(
        session, caller, page, now, state=state, category=category, lead_department_id=lead_department_id,
        mine=mine, step_overdue=step_overdue, receipt_code=receipt_code, industry=industry,
        enterprise_code=enterprise_code, received_after=received_after, received_before=received_before,
        actionable=actions.actionable(caller) if actionable_by == "me" else None,
    )  # fmt: skip
    return Page.of(await actions.read(session, caller, tip_offs, now), page, tip_offs.total)


@router.get("/tip-offs/mine", summary="我的举报（小程序）")
async def my_tip_offs(
    caller: Annotated[Principal, allow(Role.MINIPROGRAM_USER)], session: DbSession, runtime: CurrentRuntime
) -> list[ReporterView]:
    """登录小程序的举报人查看自己提交的全部举报，遗失查询密码也能查看。"""
    return await service.mine(session, runtime, caller, runtime.clock.now())


@router.get("/tip-offs/{tip_off_id}", summary="查看举报", responses=problem_responses(service.TipOffNotFound))
async def get_tip_off(
    tip_off_id: DbId,
    caller: Annotated[Principal, allow(*STAFF_ROLES)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> TipOffRead:
    """含您现在可以进行的操作（按状态和您所在的部门）、曾主办的部门、当前环节及其期限和是否超期。不含举报人身份。
    转出举报的部门仍可查看它及其办理记录。"""
    tip_off = await service.get(session, caller, tip_off_id)
    return (await actions.read(session, caller, [tip_off], runtime.clock.now()))[0]


@router.get(
    "/tip-offs/{tip_off_id}/history", summary="举报办理记录", responses=problem_responses(service.TipOffNotFound)
)
async def tip_off_history(
    tip_off_id: DbId, caller: Annotated[Principal, allow(*STAFF_ROLES)], session: DbSession
) -> list[AuditEntryRead]:
    """每一步操作及每一次查看举报人身份：谁、何时、理由，按哈希链串联。"""
    return [AuditEntryRead.model_validate(entry) for entry in await service.history(session, caller, tip_off_id)]


@router.get(
    "/tip-offs/{tip_off_id}/verify", summary="校验办理记录完整性", responses=problem_responses(service.TipOffNotFound)
)
async def verify_history(
    tip_off_id: DbId, caller: Annotated[Principal, allow(*STAFF_ROLES)], session: DbSession
) -> TrailVerification:
    return TrailVerification.model_validate(await service.verify(session, caller, tip_off_id))


@router.post(
    "/tip-offs/{tip_off_id}/reporter",
    summary="查看举报人身份（保管人）",
    responses=problem_responses(service.TipOffNotFound, ValidationFailed),
    openapi_extra=idempotency("withheld"),
)
async def reveal_reporter(
    tip_off_id: DbId,
    body: RevealRequest,
    caller: Annotated[Principal, allow(Role.CUSTODIAN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> RevealedReporter:
    """举报人信息保管人选择事由类别（核查需要、奖励兑付、司法协查、复查复核、其他）并写明至少 10 个字的理由后，
    查看举报人的姓名、联系方式和原始举报内容；每次查看记入办理记录（谁、何时、事由类别和理由）。"""
    return await service.reveal(session, runtime, caller, tip_off_id, body, runtime.clock.now())


async def _act(session, runtime, caller, tip_off_id, transition, payload) -> TipOffRead:
    now = runtime.clock.now()
    tip_off = await actions.act(session, runtime, caller, tip_off_id, transition, payload, now)
    return (await actions.read(session, caller, [tip_off], now))[0]


actions_router = action_routes(
    TIP_OFF_LIFECYCLE,
    _act,
    prefix="/tip-offs",
    item="举报",
    response_model=TipOffRead,
    tags=["tip-off-actions"],
    problems=(
        service.TipOffNotFound,
        NotTheAuthority,
        service.TakeOverNotAllowed,
        actions.TransferOutsideJurisdiction,
        service.RefusalGroundNotApplicable,
        service.AlreadyExtended,
        service.FindingIncomplete,
        outward.MayIdentifyReporter,
        actions.CannotMerge,
        actions.AlreadyObjected,
        actions.ObjectionPeriodOver,
        service.RegisterDown,
        ValidationFailed,
    ),
)
