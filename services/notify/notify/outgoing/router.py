from typing import Annotated

from fastapi import Path, Response

from notify.outgoing import preferences as service
from notify.outgoing.schemas import PreferenceRead, Preferences, PreferenceWrite
from qingling.auth.access import CurrentPrincipal
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/preferences", tags=["preferences"])
Kind = Annotated[str, Path(max_length=50, description="消息类别（模板键，如 hazard.urge），* 为全部类别")]


@router.get("", summary="我的通知渠道", responses=problem_responses(service.PreferencesPeopleOnly))
async def my_preferences(caller: CurrentPrincipal, session: DbSession) -> Preferences:
    """本人按消息类别设置的短信、微信、邮件先后；未设置的按默认。站内信总会送达。"""
    return await service.mine(session, caller)


@router.put(
    "/{kind}",
    summary="设置通知渠道",
    responses=problem_responses(service.PreferencesPeopleOnly, service.UnknownMessageKind, service.StatutoryNotice),
)
async def set_preference(
    kind: Kind, body: PreferenceWrite, caller: CurrentPrincipal, session: DbSession, runtime: CurrentRuntime
) -> PreferenceRead:
    """按先后列出渠道；空列表表示只收站内信（挂牌督办、期限变更、约谈、销号结果等法定通知不能关闭）。"""
    return await service.set_one(session, caller, kind, body, runtime.clock.now())


@router.delete(
    "/{kind}",
    status_code=204,
    summary="恢复默认通知渠道",
    responses=problem_responses(service.PreferencesPeopleOnly, service.UnknownMessageKind),
)
async def reset_preference(kind: Kind, caller: CurrentPrincipal, session: DbSession) -> Response:
    await service.reset(session, caller, kind)
    return Response(status_code=204)
