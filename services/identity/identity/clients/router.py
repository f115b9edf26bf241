from datetime import timedelta
from typing import Annotated

from fastapi import Query

from identity.adapters import IdentityAdapters
from identity.audit.schemas import ChangeReason
from identity.clients import service
from identity.clients.schemas import ClientCreate, ClientCredentials, ClientRead, ClientUpdate
from identity.permissions import RoleNotGrantable
from identity.register import RegisterUnavailable
from identity.revocations import service as revocations
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

router = APIRouter(prefix="/clients", tags=["clients"])

# The hazards service sets up an enterprise's first admin and API client when it onboards one.
Administrator = Annotated[
    Principal, allow(Role.ADMIN, Role.ENTERPRISE_ADMIN, Role.SERVICE, scope=ServiceScope.ENTERPRISE_CREDENTIALS)
]


@router.post(
    "",
    summary="创建企业 API 客户端",
    status_code=201,
    responses=problem_responses(OutsideJurisdiction, RoleNotGrantable, ValidationFailed, RegisterUnavailable),
    openapi_extra=idempotency("withheld"),
)
async def create_client(
    body: ClientCreate, caller: Administrator, session: DbSession, runtime: CurrentRuntime, adapters: IdentityAdapters
) -> ClientCredentials:
    """为企业系统（ERP、EHS）创建客户端凭证。`client_secret` 只在此显示一次。

    只能为已在企业名录（隐患服务）中登记、且在本辖区（企业管理员：本企业）内的企业创建，客户端地区取企业登记的地区。
    统一社会信用代码校验位不对或未登记的返回 422；名录暂时无法查询时返回 503，不创建客户端。
    请求体的 `reason` 记入身份台账。"""
    client, secret = await service.create(session, caller, body, adapters.register, runtime.clock.now())
    return ClientCredentials.model_validate({**ClientRead.model_validate(client).model_dump(), "client_secret": secret})


@router.get("", summary="API 客户端列表")
async def list_clients(caller: Administrator, session: DbSession, page: PageQuery) -> Page[ClientRead]:
    """本辖区（或本企业）的企业 API 客户端。"""
    clients = await service.page(session, caller, page)
    return Page.of([ClientRead.model_validate(client) for client in clients], page, clients.total)


@router.get("/{client_pk}", summary="查看 API 客户端", responses=problem_responses(service.ClientNotFound))
async def get_client(client_pk: DbId, caller: Administrator, session: DbSession) -> ClientRead:
    return ClientRead.model_validate(await service.get(session, caller, client_pk))


@router.patch("/{client_pk}", summary="修改 API 客户端", responses=problem_responses(service.ClientNotFound))
async def update_client(
    client_pk: DbId, body: ClientUpdate, caller: Administrator, session: DbSession, runtime: CurrentRuntime
) -> ClientRead:
    """改名、调整授权范围或停用。停用后立即无法再获取令牌；停用或调整授权范围后，已签发的访问令牌列入吊销名单。
    请求体的 `reason` 记入身份台账。"""
    window = revocations.window(runtime.settings.access_token_minutes)
    client = await service.update(session, caller, client_pk, body, window, runtime.clock.now())
    return ClientRead.model_validate(client)


@router.post(
    "/{client_pk}/secret",
    summary="轮换客户端密钥",
    responses=problem_responses(service.ClientNotFound),
    openapi_extra=idempotency("withheld"),
)
async def rotate_secret(
    client_pk: DbId,
    caller: Administrator,
    session: DbSession,
    runtime: CurrentRuntime,
    overlap_hours: Annotated[
        int | None, Query(ge=0, le=720, description="旧密钥继续有效的小时数；0 表示立即作废")
    ] = None,
    body: ChangeReason | None = None,
) -> ClientCredentials:
    """生成新密钥（只显示这一次）。旧密钥默认继续有效若干天，企业系统可在此期间切换，不中断对接。
    可在请求体 `reason` 中说明理由（记入身份台账）。"""
    hours = overlap_hours if overlap_hours is not None else runtime.settings.client_secret_overlap_days * 24
    reason = body.reason if body is not None else None
    client, secret = await service.rotate_secret(
        session, caller, client_pk, runtime.clock.now(), timedelta(hours=hours), reason
    )
    return ClientCredentials.model_validate({**ClientRead.model_validate(client).model_dump(), "client_secret": secret})
