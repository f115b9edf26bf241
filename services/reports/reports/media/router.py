from typing import Annotated

from fastapi import Request, Response, UploadFile

from qingling.auth.access import allow, anyone
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.limits import client_address, per_address
from qingling.media import MediaTooLarge, UnsupportedMedia
from qingling.runtime import CurrentRuntime
from reports import limits
from reports.media import service
from reports.media.schemas import MediaRead, Uploaded
from reports.tipoffs.service import TipOffNotFound

router = APIRouter(tags=["media"])
Staff = Annotated[Principal, allow(*STAFF_ROLES)]


@router.post(
    "/media",
    summary="上传举报的照片、视频",
    status_code=201,
    dependencies=[anyone(), per_address(limits.uploads, limits.UploadsThrottled)],
    responses=problem_responses(
        UnsupportedMedia,
        MediaTooLarge,
        limits.UploadsThrottled,
        service.UploadQuotaExceeded,
        service.OverUploadQuota,
    ),
)
async def upload(file: UploadFile, request: Request, session: DbSession, runtime: CurrentRuntime) -> Uploaded:
    """一次一个文件（与小程序 wx.uploadFile 一致），按内容识别类型：JPEG、PNG 图片 10 MB 以内，
    PDF 20 MB 以内，MP4、MOV 视频 50 MB 以内。返回的令牌写在举报或补充材料的 media 中。
    同一网络地址在一段时间内的上传次数有限（默认每小时 30 个），超过时返回 429 并在 `Retry-After` 中说明等待秒数。
    文件在上传时即去除元数据（拍摄设备、作者、时间、位置），加密保存。尚未随举报提交的文件：
    同一网络地址 24 小时内合计不超过 300 MB（超过返回 429 与 `Retry-After`），24 小时后删除。"""
    item = await service.upload(session, runtime, file.read, runtime.clock.now(), client_address(request))
    return Uploaded.model_validate(item)


@router.get("/tip-offs/{tip_off_id}/media", summary="举报的照片、视频", responses=problem_responses(TipOffNotFound))
async def list_media(tip_off_id: DbId, caller: Staff, session: DbSession) -> list[MediaRead]:
    return [MediaRead.model_validate(item) for item in await service.listing(session, caller, tip_off_id)]


@router.get(
    "/media/{media_id}",
    summary="查看照片、视频",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "video/mp4": {}}}, **problem_responses(service.MediaNotFound)},
)
async def media_content(media_id: DbId, caller: Staff, session: DbSession, runtime: CurrentRuntime) -> Response:
    """照片、PDF 文件和视频均已去除拍摄设备、作者、时间、位置等元数据。"""
    found = await service.content(session, runtime, caller, media_id)
    return Response(found.body, media_type=found.item.media_type, headers={"Cache-Control": "private, no-store"})
