from typing import Annotated, Literal

from fastapi import Path, Query

from notify.deliveries.service import ItemNotFound, visible_item
from notify.reminders import service
from notify.reminders.schemas import PlanRead, PlanWrite, ReminderRead
from qingling.auth.access import CurrentPrincipal, allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["reminders"])


@router.get("/reminder-plans", summary="提醒与催办方案")
async def reminder_plans(caller: CurrentPrincipal, session: DbSession) -> list[PlanRead]:
    """每类事项的提醒阶梯（预警、催办、通报、约谈），含全部版本：全国默认方案、适用于本地区的上级方案，
    以及本辖区内各地的方案。事项适用其所在地最近一级地区的最新方案，没有时适用全国默认方案。"""
    return [PlanRead.model_validate(plan) for plan in await service.plans(session, caller)]


@router.put(
    "/reminder-plans/{item_type}/{grade}/{region_code}",
    summary="制定本地区的提醒方案",
    status_code=201,
    responses=problem_responses(service.PlanOutsideJurisdiction, service.PlanRegionNotFound),
)
async def write_reminder_plan(
    item_type: Literal["hazard"],
    grade: Literal["major", "general"],
    region_code: Annotated[RegionCode, Path(description="适用的行政区划（含下级）")],
    body: PlanWrite,
    caller: Annotated[Principal, allow(Role.ADMIN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> PlanRead:
    """仅辖区包含该地区的系统管理员可用。新版本对此后计划的提醒生效；已计划的提醒在期限变动时按新方案重排。
    全国默认方案随软件版本发布，不能在此修改。"""
    plan = await service.write_plan(session, caller, item_type, grade, region_code, body, runtime.clock.now())
    return PlanRead.model_validate(plan)


@router.get("/reminders", summary="事项的提醒计划", responses=problem_responses(ItemNotFound))
async def item_reminders(
    caller: CurrentPrincipal,
    session: DbSession,
    item_type: Annotated[str, Query(max_length=20)],
    item_id: Annotated[DbId, Query()],
) -> list[ReminderRead]:
    """已计划、已发出和因期限变动而取消的每一步提醒。"""
    await visible_item(session, caller, item_type, item_id)
    return [ReminderRead.model_validate(r) for r in await service.of_item(session, item_type, item_id)]
