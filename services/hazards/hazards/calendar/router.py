from typing import Annotated

from fastapi import Path, Query

from hazards.calendar import service
from hazards.calendar.schemas import (
    ArrangementLoad,
    ArrangementRead,
    CalendarYears,
    DeadlineRead,
    WorkingDaysLeftRead,
)
from qingling.auth.access import CurrentPrincipal, allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime
from qingling.schemas import Timestamp

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("/years", summary="工作日日历：各年放假安排")
async def list_years(caller: CurrentPrincipal, session: DbSession, runtime: CurrentRuntime) -> CalendarYears:
    """已加载的各年放假调休安排及其加载、替换、撤销记录，2024 年至明年各年是否已掌握放假安排，以及各年的法定节假日。
    某年的通知尚未发布时，涉及该年的期限按《全国年节及纪念日放假办法》规定的法定节假日和周末计算（调休未知），并标为暂定。"""
    return await service.overview(session, runtime.clock.now())


@router.put(
    "/years/{year}",
    summary="加载某年的放假调休安排",
    responses=problem_responses(service.CalendarLoadNotAllowed, ValidationFailed),
)
async def load_year(
    year: Annotated[int, Path(ge=service.FIRST_YEAR, le=service.LAST_YEAR, description="年份")],
    body: ArrangementLoad,
    caller: Annotated[Principal, allow(Role.ADMIN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> ArrangementRead:
    """放假安排全国统一，仅国家级（000000）系统管理员可用；未加载的年份使用内置日历库（chinese_calendar）的数据，
    库中也没有的按法定节假日推算。按国务院办公厅当年的通知录入，须注明通知文号，并包含该年全部法定节假日
    （缺少的逐日列出，422）；再次加载即替换该年原有安排，可用 DELETE 撤销。每次加载、替换都记录操作人和前后内容。
    加载的安排优先于内置日历库，并同步到举报服务、通知服务，各服务计算期限口径一致；受影响的未结期限和待发提醒随即重新计算。"""
    return ArrangementRead.model_validate(await service.load(session, caller, year, body, runtime.clock.now()))


@router.delete(
    "/years/{year}",
    summary="撤销某年加载的放假调休安排",
    status_code=204,
    responses=problem_responses(service.CalendarLoadNotAllowed, service.CalendarYearNotLoaded),
)
async def remove_year(
    year: Annotated[int, Path(ge=service.FIRST_YEAR, le=service.LAST_YEAR, description="年份")],
    caller: Annotated[Principal, allow(Role.ADMIN)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> None:
    """仅国家级（000000）系统管理员可用。撤销后该年恢复使用内置日历库的数据，库中没有的按法定节假日推算（暂定）；
    撤销同步到举报服务、通知服务，受影响的未结期限和待发提醒随即重新计算，撤销记录在放假安排的变更记录中。"""
    await service.remove(session, caller, year, runtime.clock.now())


@router.get("/deadline", summary="计算期限", responses=problem_responses(ValidationFailed))
async def deadline(
    caller: CurrentPrincipal,
    session: DbSession,
    start: Annotated[Timestamp, Query(description="引起期限的事件发生时间；不带时区时按北京时间")],
    amount: Annotated[int, Query(ge=1, le=1000, description="期限长度")],
    unit: Annotated[Unit, Query(description="calendar_days 为“日”，working_days 为“工作日”")],
) -> DeadlineRead:
    """事件当天不计入，从次日（工作日期限从下一个工作日）起算，至最后一天 23:59:59（北京时间）止；
    以“日”计的期限最后一天为法定节假日或休息日的，顺延至其后的第一个工作日。
    期间有年份的放假调休安排尚未发布时，按该年法定节假日和周末计算（调休未知），结果为暂定。各服务计算期限均以此为准。"""
    return await service.deadline(session, start, amount, unit)


@router.get("/working-days-left", summary="计算剩余工作日", responses=problem_responses(ValidationFailed))
async def working_days_left(
    caller: CurrentPrincipal,
    session: DbSession,
    runtime: CurrentRuntime,
    until: Annotated[
        list[Timestamp],
        Query(min_length=1, max_length=200, description="截止时刻，可重复，一次至多 200 个；不带时区时按北京时间"),
    ],
) -> WorkingDaysLeftRead:
    """从现在（服务的时钟）到每个截止时刻还剩几个工作日，按各服务计算期限所用的同一工作日日历（已计入法定节假日和调休）：
    今天不计入，最后一天计入，最后一天就是今天时为 0；已超期的（现在晚于截止时刻）标明 overdue，
    最后一天已过时为负数，表示已超期的工作日数。计数经过的年份放假调休安排尚未发布时，按该年法定节假日和周末计算，标为暂定。
    一次可问一页待办的全部期限。"""
    return await service.working_days_left(session, until, runtime.clock.now())
