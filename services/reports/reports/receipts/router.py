from fastapi import APIRouter

from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.runtime import CurrentRuntime
from reports.receipts.service import HeldReceipt, ReceiptLookupsThrottled, ReceiptNotRecognised
from reports.tipoffs import service as tipoffs
from reports.tipoffs.schemas import ReporterView, Supplement

router = APIRouter(prefix="/receipts", tags=["receipts"])
RECEIPT_PROBLEMS = problem_responses(ReceiptNotRecognised, ReceiptLookupsThrottled)


@router.get("/tip-off", summary="凭回执查看办理进展", responses=RECEIPT_PROBLEMS)
async def follow(held: HeldReceipt, session: DbSession, runtime: CurrentRuntime) -> ReporterView:
    """匿名举报人凭回执码和查询密码查看：当前状态、下一步及其期限、每一步的告知和答复、转为隐患后的整改进展。
    连续输错会被暂时限制查询（按回执码和按来源地址分别计数）。"""
    return await tipoffs.reporter_view(session, held.id, runtime.clock.now())


@router.post(
    "/tip-off/supplements",
    summary="凭回执补充材料",
    status_code=201,
    responses={**RECEIPT_PROBLEMS, **problem_responses(tipoffs.TipOffClosed, ValidationFailed)},
)
async def add_supplement(
    body: Supplement, held: HeldReceipt, session: DbSession, runtime: CurrentRuntime
) -> ReporterView:
    """补充情况和照片、视频（先上传，再在 media 中写上传得到的令牌）。办理人员看到的内容会去除可识别您身份的信息。"""
    return await tipoffs.supplement(session, runtime, held.id, body, runtime.clock.now())
