from typing import Annotated
from urllib.parse import quote

from fastapi import File, Form, Response, UploadFile

from hazards.evidence import service
from hazards.evidence.schemas import EvidenceRead
from hazards.evidence.storage import Store
from hazards.hazard.lifecycle import ENTERPRISE, STAFF
from hazards.hazard.service import HazardNotFound
from qingling.auth.access import HazardsReader, allow
from qingling.auth.principal import Principal
from qingling.auth.scopes import Scope
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId, Text
from qingling.media import MEDIA_TYPES, MediaTooLarge, UnsupportedMedia
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["evidence"])


@router.post(
    "/hazards/{hazard_id}/evidence",
    summary="上传证据",
    status_code=201,
    responses=problem_responses(HazardNotFound, service.HazardClosed, MediaTooLarge, UnsupportedMedia),
)
async def upload_evidence(
    hazard_id: DbId,
    file: Annotated[UploadFile, File(description="照片、PDF 或短视频")],
    caller: Annotated[Principal, allow(*STAFF, *ENTERPRISE, scope=Scope.HAZARDS_WRITE)],
    session: DbSession,
    runtime: CurrentRuntime,
    store: Store,
    note: Annotated[Text | None, Form(max_length=500, description="说明，如“整改后现场照片”")] = None,
) -> EvidenceRead:
    """企业为本企业的隐患、监管人员为辖区内的隐患上传整改照片、评估报告等证据；已销号或不予认定的隐患不能再添加。
    只接受 JPEG、PNG 图片（10 MB 以内），PDF 文件（20 MB 以内），MP4、MOV 视频（50 MB 以内）。
    类型按文件内容识别，与文件名和 Content-Type 无关。服务器记录文件的 SHA-256、收到时间、上传人；
    照片带 GPS 定位的，记录拍摄位置及其与企业登记位置的距离。每次上传记入隐患台账。"""
    evidence = await service.attach(
        session, store, caller, hazard_id, file.read, file.filename, note, runtime.clock.now()
    )
    return EvidenceRead.model_validate(evidence)


@router.get("/hazards/{hazard_id}/evidence", summary="隐患的证据清单", responses=problem_responses(HazardNotFound))
async def list_evidence(hazard_id: DbId, caller: HazardsReader, session: DbSession) -> list[EvidenceRead]:
    """能查看该隐患的人都能看到其证据的清单（不含文件内容），按上传先后排列。"""
    return [EvidenceRead.model_validate(evidence) for evidence in await service.listing(session, caller, hazard_id)]


@router.get(
    "/evidence/{evidence_id}/content",
    summary="下载证据文件",
    response_class=Response,
    responses={
        200: {
            "content": {media_type: {} for media_type in MEDIA_TYPES},
            "description": "证据文件；X-Content-SHA256 为原始文件的 SHA-256",
        },
        **problem_responses(service.EvidenceNotFound),
    },
)
async def evidence_content(evidence_id: DbId, caller: HazardsReader, session: DbSession, store: Store) -> Response:
    """上传一方（企业上传的：该企业；监管人员上传的：监管人员）取得原始文件。另一方取得的图片经重新编码，
    去除 EXIF 等元数据（拍摄设备、时间、位置）；PDF 和视频按原样提供。
    X-Content-SHA256 总是原始文件的摘要；
    X-Evidence-Copy 为 original（原始文件）或 metadata-removed（去除元数据的副本）。"""
    found = await service.content(session, store, caller, evidence_id)
    evidence = found.evidence
    headers = {
        "X-Content-SHA256": evidence.sha256,
        "X-Evidence-Copy": "original" if found.original else "metadata-removed",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(evidence.filename)}",
    }
    return Response(found.body, media_type=evidence.media_type, headers=headers)
