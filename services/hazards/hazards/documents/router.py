from fastapi import Response

from hazards.documents import service
from hazards.documents.schemas import DocumentKind
from hazards.hazard.service import HazardNotFound
from qingling.auth.access import HazardsReader
from qingling.db import DbSession
from qingling.documents import PDF_RESPONSE, download
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId

router = APIRouter(prefix="/hazards", tags=["documents"])


@router.get(
    "/{hazard_id}/documents/{kind}",
    summary="下载隐患文书（PDF）",
    response_class=Response,
    responses={
        200: PDF_RESPONSE,
        **problem_responses(HazardNotFound, service.DocumentNotIssued),
    },
)
async def hazard_document(hazard_id: DbId, kind: DocumentKind, caller: HazardsReader, session: DbSession) -> Response:
    """隐患各环节出具的文书，内容与台账记录一致：

    - `rectification-order` 整改指令书：重大隐患确认后的限期整改指令（含指令书文号），或一般隐患受理时的“五定”整改要求；
    - `listing-notice` 挂牌督办通知书：督办文号、挂牌督办机关、企业、隐患、整改期限、督办要求与措施、督办部门；
    - `close-out-notice` 销号通知：整改完成、现场复核、审核把关和销号意见。

    能查看该隐患的人（辖区内的监管人员、隐患所属企业）即可下载；隐患尚未到达该环节的返回 404 `document-not-issued`。"""
    return await download(await service.issued(session, caller, hazard_id, kind))
