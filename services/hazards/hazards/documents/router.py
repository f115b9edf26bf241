from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from hazards.documents import service
from hazards.documents.schemas import DocumentKind
from hazards.hazard.service import HazardNotFound
from qingling.auth.access import HazardsReader
from qingling.db import DbSession
from qingling.documents import PDF, render
from qingling.errors import problem_responses
from qingling.exports import content_disposition
from qingling.inputs import DbId

router = APIRouter(prefix="/hazards", tags=["documents"])


@router.get(
    "/{hazard_id}/documents/{kind}",
    summary="下载隐患文书（PDF）",
    response_class=Response,
    responses={
        200: {
            "content": {PDF: {}},
            "description": "公文版式的 PDF，文字可复制、检索",
            "headers": {
                "Content-Disposition": {
                    "description": "attachment；filename 为 ASCII 名，filename* 为中文名（RFC 6266/5987）",
                    "schema": {"type": "string"},
                }
            },
        },
        **problem_responses(HazardNotFound, service.DocumentNotIssued),
    },
)
async def hazard_document(hazard_id: DbId, kind: DocumentKind, caller: HazardsReader, session: DbSession) -> Response:
    """隐患各环节出具的文书，内容与台账记录一致：

    - `rectification-order` 整改指令书：重大隐患确认后的限期整改指令（含指令书文号），或一般隐患受理时的“五定”整改要求；
    - `listing-notice` 挂牌督办通知书：督办文号、挂牌督办机关、企业、隐患、整改期限、督办要求与措施、督办部门；
    - `close-out-notice` 销号通知：整改完成、现场复核、审核把关和销号意见。

    能查看该隐患的人（辖区内的监管人员、隐患所属企业）即可下载；隐患尚未到达该环节的返回 404 `document-not-issued`。"""
    issued = await service.issued(session, caller, hazard_id, kind)
    pdf = await run_in_threadpool(render, issued.document)  # a fraction of a second of CPU: off the event loop
    headers = {"Content-Disposition": content_disposition(issued.filename, issued.fallback)}
    return Response(pdf, media_type=PDF, headers=headers)
