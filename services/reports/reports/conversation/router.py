from typing import Annotated

from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.runtime import CurrentRuntime
from reports.conversation import service
from reports.conversation.schemas import Conversation, Question
from reports.tipoffs.service import LeadDepartmentOnly, TipOffNotFound

router = APIRouter(prefix="/tip-offs/{tip_off_id}/messages", tags=["conversation"])


@router.get("", summary="与举报人的往来", responses=problem_responses(TipOffNotFound))
async def read_conversation(
    tip_off_id: DbId, caller: Annotated[Principal, allow(*STAFF_ROLES)], session: DbSession
) -> Conversation:
    """告知、答复、询问，以及举报人的补充和回答（已去除可识别身份的信息）与随附的照片、视频。"""
    return await service.conversation(session, caller, tip_off_id)


@router.post(
    "",
    summary="询问举报人",
    status_code=201,
    responses=problem_responses(TipOffNotFound, LeadDepartmentOnly, service.TipOffClosed, ValidationFailed),
)
async def ask_reporter(
    tip_off_id: DbId,
    body: Question,
    caller: Annotated[Principal, allow(Role.REGULATOR, Role.DEPARTMENT_LEADER)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> Conversation:
    """主办部门向举报人询问情况；举报人凭回执看到询问，在补充材料时写明回答的是哪一条（in_reply_to），可附照片、视频。"""
    await service.ask(session, runtime, caller, tip_off_id, body, runtime.clock.now())
    return await service.conversation(session, caller, tip_off_id)
