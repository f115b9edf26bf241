from typing import Annotated

from fastapi import Query

from hazards.enterprises.service import EnterpriseNotFound
from hazards.hazard.lifecycle import ENTERPRISE, STAFF
from hazards.selfchecks import service
from hazards.selfchecks.schemas import MissingSelfCheck, SelfCheckCreate, SelfCheckRead
from qingling.auth.access import HazardsReader, allow
from qingling.auth.principal import Principal
from qingling.auth.scopes import Scope
from qingling.clock import SHANGHAI
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId, QueryDate
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["self-checks"])


@router.post(
    "/enterprises/{enterprise_id}/self-checks",
    summary="记录自查",
    status_code=201,
    responses=problem_responses(EnterpriseNotFound, ValidationFailed),
)
async def record_self_check(
    enterprise_id: DbId,
    body: SelfCheckCreate,
    caller: Annotated[Principal, allow(*ENTERPRISE, scope=Scope.HAZARDS_WRITE)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> SelfCheckRead:
    """企业记录本企业的隐患自查。主要负责人应至少每季度带队排查一次重大隐患，高风险企业每月一次。"""
    return SelfCheckRead.model_validate(await service.record(session, caller, enterprise_id, body, runtime.clock.now()))


@router.get(
    "/enterprises/{enterprise_id}/self-checks",
    summary="自查记录",
    responses=problem_responses(EnterpriseNotFound),
)
async def self_check_history(enterprise_id: DbId, caller: HazardsReader, session: DbSession) -> list[SelfCheckRead]:
    return [SelfCheckRead.model_validate(check) for check in await service.history(session, caller, enterprise_id)]


@router.get("/self-checks/missing", summary="未按期自查的企业")
async def missing_self_checks(
    caller: Annotated[Principal, allow(*STAFF)],
    session: DbSession,
    runtime: CurrentRuntime,
    on: Annotated[QueryDate | None, Query(description="查看哪一天所在的周期；默认今天")] = None,
) -> list[MissingSelfCheck]:
    """辖区内在该周期（高风险企业按月，其他按季度）尚无主要负责人带队排查记录的企业。"""
    return await service.missing(session, caller, on or runtime.clock.now().astimezone(SHANGHAI).date())
