from typing import Annotated

from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.runtime import CurrentRuntime
from reports.duplicates import service
from reports.duplicates.schemas import Duplicates
from reports.tipoffs import service as tipoffs

router = APIRouter(tags=["tip-offs"])


@router.get(
    "/tip-offs/{tip_off_id}/duplicates", summary="可能重复的举报", responses=problem_responses(tipoffs.TipOffNotFound)
)
async def possible_duplicates(
    tip_off_id: DbId, caller: Annotated[Principal, allow(*STAFF_ROLES)], session: DbSession, runtime: CurrentRuntime
) -> Duplicates:
    """尚在办理、可能是同一事项的举报：同一单位的，或事发地点相近（默认 300 米内）的同类举报，90 日内收到。
    确是同一事项的，由主办部门并案（POST /tip-offs/{id}/merge）：举报人各自保留回执，办理结果同样告知，
    奖励给最先举报的人。"""
    tip_off = await tipoffs.get(session, caller, tip_off_id)
    return await service.duplicates(session, runtime, caller, tip_off)
