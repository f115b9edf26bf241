from typing import Annotated

from identity.accounts import service
from identity.accounts.schemas import AccountCreate, AccountRead, AccountUpdate, TemporaryPassword
from identity.adapters import IdentityAdapters
from identity.audit.schemas import ChangeReason
from identity.permissions import HigherAdminRequired, RoleNotGrantable
from identity.register import RegisterUnavailable
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import OutsideJurisdiction
from qingling.auth.scopes import ServiceScope
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter, idempotency
from qingling.inputs import DbId
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/accounts", tags=["accounts"])

# The hazards service sets up an enterprise's first admin and API client when it onboards one.
Administrator = Annotated[
    Principal, allow(Role.ADMIN, Role.ENTERPRISE_ADMIN, Role.SERVICE, scope=ServiceScope.ENTERPRISE_CREDENTIALS)
]


@router.post(
    "",
    summary="创建账号",
    status_code=201,
    responses=problem_responses(
        OutsideJurisdiction, RoleNotGrantable, service.UsernameTaken, ValidationFailed, RegisterUnavailable
    ),
)
async def create_account(
    body: AccountCreate, caller: Administrator, session: DbSession, runtime: CurrentRuntime, adapters: IdentityAdapters
) -> AccountRead:
    """在本辖区内创建账号。县级管理员不能创建市级人员；“举报人信息保管人”和“系统管理员”只能由上级管理员授予。

    企业账号只能为已在企业名录（隐患服务）中登记、且在本辖区内的企业开通，账号地区取企业登记的地区；
    企业管理员只能为本企业创建企业账号。统一社会信用代码校验位不对或未登记的返回 422；名录暂时无法查询时返回 503，
    不创建账号。新账号首次登录前须修改密码。请求体的 `reason` 记入身份台账。"""
    now = runtime.clock.now()
    account = await service.create(session, caller, body, adapters, now)
    return (await service.reads(session, adapters, [account], now))[0]


@router.get("", summary="账号列表")
async def list_accounts(
    caller: Administrator, session: DbSession, page: PageQuery, runtime: CurrentRuntime, adapters: IdentityAdapters
) -> Page[AccountRead]:
    """本辖区（或本企业）的账号，按 ID 分页。"""
    accounts = await service.page(session, caller, page)
    return Page.of(await service.reads(session, adapters, accounts, runtime.clock.now()), page, accounts.total)


@router.get("/{account_id}", summary="查看账号", responses=problem_responses(service.AccountNotFound))
async def get_account(
    account_id: DbId, caller: Administrator, session: DbSession, runtime: CurrentRuntime, adapters: IdentityAdapters
) -> AccountRead:
    """辖区外的账号按不存在处理（404）。"""
    account = await service.get(session, caller, account_id)
    return (await service.reads(session, adapters, [account], runtime.clock.now()))[0]


@router.patch(
    "/{account_id}",
    summary="修改账号（角色、部门、联系方式、停用）",
    responses=problem_responses(service.AccountNotFound, HigherAdminRequired, RoleNotGrantable, ValidationFailed),
)
async def update_account(
    account_id: DbId,
    body: AccountUpdate,
    caller: Administrator,
    session: DbSession,
    runtime: CurrentRuntime,
    adapters: IdentityAdapters,
) -> AccountRead:
    """只改传入的字段。改角色时按创建账号的授权规则检查。持有“举报人信息保管人”或“系统管理员”角色的账号，
    只能由更高一级、辖区包含它的系统管理员修改（同级管理员之间不能互改）。停用、改角色或部门后，
    该账号已有的登录立即失效（续期凭证作废，访问令牌列入吊销名单）。手机号码（11 位）和电子邮箱用于短信、
    邮件通知，传 null 清除；身份台账只记下它们改过，不记号码和地址。请求体的 `reason` 记入身份台账。"""
    now = runtime.clock.now()
    account = await service.update(session, caller, account_id, body, runtime.settings, now)
    return (await service.reads(session, adapters, [account], now))[0]


@router.post(
    "/{account_id}/password-reset",
    summary="重置密码",
    responses=problem_responses(service.AccountNotFound, HigherAdminRequired),
    openapi_extra=idempotency("withheld"),
)
async def reset_password(
    account_id: DbId,
    caller: Administrator,
    session: DbSession,
    runtime: CurrentRuntime,
    adapters: IdentityAdapters,
    body: ChangeReason | None = None,
) -> TemporaryPassword:
    """生成一次性临时密码（只显示这一次）并解除锁定；对方须先修改密码才能登录，已有的登录立即失效。
    特权账号（保管人、系统管理员）只能由上级管理员重置。可在请求体 `reason` 中说明理由（记入身份台账）。"""
    temporary = await service.reset_password(
        session, caller, account_id, adapters, runtime.settings, runtime.clock.now(), _reason(body)
    )
    return TemporaryPassword(temporary_password=temporary)


@router.post(
    "/{account_id}/unlock",
    summary="解除锁定",
    responses=problem_responses(service.AccountNotFound, HigherAdminRequired),
)
async def unlock_account(
    account_id: DbId,
    caller: Administrator,
    session: DbSession,
    runtime: CurrentRuntime,
    adapters: IdentityAdapters,
    body: ChangeReason | None = None,
) -> AccountRead:
    """清除连续输错密码造成的暂停登录（来自任何地址的）。特权账号只能由上级管理员解锁。
    身份台账记下解锁前窗口内的输错次数和最晚的暂停截止时间；请求体 `reason` 一并记入。"""
    now = runtime.clock.now()
    account = await service.unlock(session, caller, account_id, adapters, runtime.settings, now, _reason(body))
    return (await service.reads(session, adapters, [account], now))[0]


def _reason(body: ChangeReason | None) -> str | None:
    return body.reason if body is not None else None
