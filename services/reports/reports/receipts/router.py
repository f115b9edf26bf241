from qingling.auth.principal import RECEIPT_HOLDER
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.lifecycle import TransitionNotAllowed
from qingling.pagination import PageQuery
from qingling.runtime import CurrentRuntime
from reports.conversation import service as conversation
from reports.receipts import service as receipts
from reports.receipts.schemas import MarkRead, ReporterInbox, Unread
from reports.receipts.service import HeldReceipt, ReceiptLookupsThrottled, ReceiptNotRecognised
from reports.tipoffs import actions
from reports.tipoffs import service as tipoffs
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.schemas import Objection, ReporterView, Supplement

router = APIRouter(prefix="/receipts", tags=["receipts"])
RECEIPT_PROBLEMS = problem_responses(ReceiptNotRecognised, ReceiptLookupsThrottled)


@router.get("/tip-off", summary="凭回执查看办理进展", responses=RECEIPT_PROBLEMS)
async def follow(held: HeldReceipt, session: DbSession, runtime: CurrentRuntime) -> ReporterView:
    """匿名举报人凭回执码和查询密码查看：当前状态、下一步及其期限、每一步的告知和答复、办理人员的询问、
    转为隐患后的整改进展、奖励。连续输错会被暂时限制查询（按回执码和按来源地址分别计数）。"""
    return await tipoffs.reporter_view(session, held.id, runtime.clock.now())


@router.post(
    "/tip-off/supplements",
    summary="凭回执补充材料、回答询问",
    status_code=201,
    responses={
        **RECEIPT_PROBLEMS,
        **problem_responses(conversation.TipOffClosed, conversation.NotAQuestion, ValidationFailed),
    },
)
async def add_supplement(
    body: Supplement, held: HeldReceipt, session: DbSession, runtime: CurrentRuntime
) -> ReporterView:
    """补充情况和照片、视频（先上传，再在 media 中写上传得到的令牌）；回答办理人员的询问时在 in_reply_to 中写明
    询问的编号。办理人员看到的内容会去除可识别您身份的信息。"""
    return await conversation.supplement(session, runtime, held.id, body, runtime.clock.now())


@router.post(
    "/tip-off/objection",
    summary="凭回执对答复提出异议",
    responses={
        **RECEIPT_PROBLEMS,
        **problem_responses(
            actions.ObjectionPeriodOver, actions.AlreadyObjected, TransitionNotAllowed, ValidationFailed
        ),
    },
)
async def object_to_reply(
    body: Objection, held: HeldReceipt, session: DbSession, runtime: CurrentRuntime
) -> ReporterView:
    """对核查答复不服的，在答复后 10 日内提出一次异议，由主办部门的上一级部门在 30 日内复查，复查结论告知您。"""
    now = runtime.clock.now()
    objection = TIP_OFF_LIFECYCLE.transition("object")
    await actions.act(session, runtime, RECEIPT_HOLDER, held.id, objection, body, now)
    return await tipoffs.reporter_view(session, held.id, now)


@router.get(
    "/tip-off/inbox",
    summary="凭回执查看收件箱",
    responses={**RECEIPT_PROBLEMS, **problem_responses(receipts.InboxUnavailable)},
)
async def reporter_inbox(
    held: HeldReceipt, runtime: CurrentRuntime, page: PageQuery, unread_only: bool = False
) -> ReporterInbox:
    """发给您的办理进展、答复、询问、复查结论和奖励通知，以及未读条数（收件箱由通知服务保存）。"""
    params = {"limit": page.limit, "unread_only": unread_only} | ({"after": page.after} if page.after else {})
    return ReporterInbox.model_validate(await receipts.inbox(runtime, held, params))


@router.post(
    "/tip-off/inbox/read",
    summary="凭回执标为已读",
    responses={**RECEIPT_PROBLEMS, **problem_responses(receipts.InboxUnavailable)},
)
async def mark_inbox_read(body: MarkRead, held: HeldReceipt, runtime: CurrentRuntime) -> Unread:
    return Unread.model_validate(await receipts.mark_read(runtime, held, body.ids))
