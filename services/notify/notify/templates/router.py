from typing import Annotated

from notify.templates import service
from notify.templates.schemas import TemplateRead, TemplateVersion
from qingling.auth.access import CurrentPrincipal, allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/templates", tags=["templates"])


@router.get("", summary="消息模板")
async def templates(caller: CurrentPrincipal, session: DbSession) -> list[TemplateRead]:
    """每个模板的版本：全国默认文本、适用于本地区的上级地区版本，以及本辖区内各地的版本，各注明所属地区。
    发给某地事项的消息用最近一级地区（县、市、省）的最新版本，都没有时用全国默认文本；
    送达记录写明所用的版本和发出的文字。"""
    return [TemplateRead.model_validate(t) for t in await service.versions(session, caller)]


@router.post(
    "/{key}/versions",
    summary="修改本地区的消息模板（新版本）",
    status_code=201,
    responses=problem_responses(service.TemplateNotFound, service.TemplateOutsideJurisdiction, service.UnknownVariable),
)
async def add_template_version(
    key: str,
    body: TemplateVersion,
    caller: Annotated[Principal, allow(Role.ADMIN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> TemplateRead:
    """仅辖区包含该地区的系统管理员可用（县级：本县；市级：本市及所辖县区；……）。新版本适用于该地区及其下级，
    不影响其他地区；全国默认文本随软件版本发布，不能在此修改。"""
    template = await service.add_version(session, caller, key, body, runtime.clock.now())
    return TemplateRead.model_validate(template)
