from typing import Annotated

from fastapi import APIRouter

from notify.templates import service
from notify.templates.schemas import TemplateRead, TemplateVersion
from qingling.auth.access import CurrentPrincipal, allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/templates", tags=["templates"])


@router.get("", summary="消息模板")
async def templates(caller: CurrentPrincipal, session: DbSession) -> list[TemplateRead]:
    """每个模板的全部版本；发送时用最新版本，送达记录写明所用的版本和发出的文字。"""
    return [TemplateRead.model_validate(t) for t in await service.versions(session)]


@router.post(
    "/{key}/versions",
    summary="修改消息模板（新版本）",
    status_code=201,
    responses=problem_responses(service.TemplateNotFound, service.UnknownVariable),
)
async def add_template_version(
    key: str,
    body: TemplateVersion,
    caller: Annotated[Principal, allow(Role.ADMIN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> TemplateRead:
    template = await service.add_version(session, key, body, caller.subject, runtime.clock.now())
    return TemplateRead.model_validate(template)
