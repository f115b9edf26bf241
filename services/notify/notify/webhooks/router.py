from typing import Annotated, Any

from notify.webhooks import service
from notify.webhooks.schemas import EndpointCreated, EndpointRead, EndpointWrite, MessageRead, SecretRotated
from qingling.auth.access import allow, public
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.events import EventData
from qingling.idempotency import APIRouter, idempotency
from qingling.inputs import DbId
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
# The enterprise's admin, or its own system granted the ``webhooks`` scope.
EnterpriseAdmin = Annotated[Principal, allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_CLIENT, scope=Scope.WEBHOOKS)]
NOT_FOUND = problem_responses(service.EndpointNotFound)


@router.post(
    "",
    summary="订阅 webhook",
    status_code=201,
    responses=problem_responses(service.UrlNotAllowed, ValidationFailed),
    openapi_extra=idempotency("withheld"),
)
async def subscribe(
    body: EndpointWrite, caller: EnterpriseAdmin, session: DbSession, runtime: CurrentRuntime
) -> EndpointCreated:
    """企业管理员为本企业的系统订阅事件。接收地址须为公网地址（生产环境须为 https），
    订阅、测试和每次投递时都解析并检查，不跟随重定向。请求按 Standard Webhooks 规范签名（webhook-id、webhook-timestamp、
    webhook-signature），用返回的密钥和任一 standardwebhooks 库校验；同一消息重发时 webhook-id 不变。"""
    endpoint, secret = await service.create(session, runtime, caller, body, runtime.clock.now())
    return EndpointCreated.model_validate({**endpoint.model_dump(), "secret": secret})


@router.get("", summary="本企业的 webhook")
async def subscriptions(caller: EnterpriseAdmin, session: DbSession) -> list[EndpointRead]:
    return [EndpointRead.model_validate(e) for e in await service.endpoints(session, caller)]


@router.get("/event-types", summary="webhook 事件及其 JSON Schema", dependencies=[public()])
async def event_types() -> dict[str, Any]:
    """每种事件的负载格式（data 部分），按版本发布；也在仓库的 openapi/events/ 下。"""
    catalogue = {event_type: cls for (event_type, _), cls in EventData.catalogue.items()}
    return {
        "hazard.changed": {"version": 1, "data": catalogue["hazard.changed"].json_schema()},
        "reminder.sent": {"version": 1, "data": REMINDER_SCHEMA},
        "webhook.ping": {"version": 1, "data": {"type": "object", "properties": {"endpoint_id": {"type": "integer"}}}},
    }


REMINDER_SCHEMA = {
    "type": "object",
    "properties": {
        "item_type": {"type": "string"},
        "item_id": {"type": "integer"},
        "step": {"type": "string", "description": "warn_15、urge、bulletin、interview …"},
        "title": {"type": "string"},
        "text": {"type": "string"},
        "deadline_at": {"type": "string", "format": "date-time"},
    },
    "required": ["item_type", "item_id", "step", "title", "text", "deadline_at"],
}


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="更换签名密钥",
    responses=NOT_FOUND,
    openapi_extra=idempotency("withheld"),
)
async def rotate_secret(
    endpoint_id: DbId, caller: EnterpriseAdmin, session: DbSession, runtime: CurrentRuntime
) -> SecretRotated:
    """新密钥立即生效；旧密钥在过渡期内同时签名（webhook-signature 中有两个签名），过渡期后失效。"""
    return await service.rotate(session, runtime, caller, endpoint_id, runtime.clock.now())


@router.post(
    "/{endpoint_id}/ping",
    summary="发送测试消息",
    status_code=202,
    responses=problem_responses(service.EndpointNotFound, service.UrlNotAllowed),
)
async def ping(endpoint_id: DbId, caller: EnterpriseAdmin, session: DbSession, runtime: CurrentRuntime) -> MessageRead:
    """接收地址在此时（以及每次投递时）重新解析并检查：指向本机、内网或本系统服务的地址不予发送。"""
    return MessageRead.model_validate(await service.ping(session, runtime, caller, endpoint_id, runtime.clock.now()))


@router.post("/{endpoint_id}/disable", summary="停用 webhook", responses=NOT_FOUND)
async def disable(
    endpoint_id: DbId, caller: EnterpriseAdmin, session: DbSession, runtime: CurrentRuntime
) -> EndpointRead:
    return EndpointRead.model_validate(await service.disable(session, caller, endpoint_id, runtime.clock.now()))


@router.get("/{endpoint_id}/messages", summary="webhook 消息与投递情况", responses=NOT_FOUND)
async def messages(endpoint_id: DbId, caller: EnterpriseAdmin, session: DbSession) -> list[MessageRead]:
    return [MessageRead.model_validate(m) for m in await service.messages(session, caller, endpoint_id)]


@router.post(
    "/messages/{msg_id}/replay",
    summary="重发一条消息",
    status_code=202,
    responses=problem_responses(service.MessageNotFound),
)
async def replay(msg_id: str, caller: EnterpriseAdmin, session: DbSession, runtime: CurrentRuntime) -> MessageRead:
    """以同一 webhook-id 再发一次（接收方据此去重）。"""
    return MessageRead.model_validate(await service.replay(session, caller, msg_id, runtime.clock.now()))
