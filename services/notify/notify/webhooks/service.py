"""Webhooks to enterprise systems — the endpoints an enterprise manages (subscriptions, signing
secrets, its messages and their replay) and the messages written for them, in the transaction of
the change that causes them. Sending them is ``delivery.py``'s (a worker on the leased delivery
queue). Delivery is at least once; the ``webhook-id`` stays the same on every retry and replay,
so receivers drop duplicates by it."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notify.webhooks import schemas
from notify.webhooks.models import WebhookEndpoint, WebhookMessage, WebhookSecret
from notify.webhooks.targets import TargetRefused
from qingling.auth.principal import Principal
from qingling.delivery import DeliveryState, resend, ring_on_commit
from qingling.errors import FieldError, NotFound, ValidationFailed
from qingling.runtime import Runtime

log = structlog.get_logger(__name__)


class EndpointNotFound(NotFound):
    code, title = "webhook-not-found", "没有这个 webhook，或它不属于本企业"


class MessageNotFound(NotFound):
    code, title = "webhook-message-not-found", "没有这条 webhook 消息，或它不属于本企业"


class UrlNotAllowed(ValidationFailed):
    code, title = "webhook-url-not-allowed", "webhook 接收地址须为公网地址，不能指向本机、内网或本系统的服务"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def _check_url(runtime: Runtime, url: str) -> None:
    """Refuses a URL that is not a place a webhook may go (``targets``) — now; every delivery
    checks again, as it connects."""
    try:
        await runtime.adapters.webhook_targets.check(url, runtime.settings.webhook_timeout_seconds)
    except TargetRefused as refused:
        log.info("webhook url refused", reason=str(refused))
        raise UrlNotAllowed(errors=[FieldError(location="body", field="/url", message=refused.reason)]) from None


# ---------------------------------------------------------------------------------- endpoints


async def create(
    session: AsyncSession, runtime: Runtime, caller: Principal, body: schemas.EndpointWrite, now: datetime
) -> tuple[WebhookEndpoint, str]:
    await _check_url(runtime, str(body.url))
    endpoint = WebhookEndpoint(
        enterprise_code=caller.enterprise_code, url=str(body.url), event_types=sorted(set(body.event_types)),
        description=body.description, created_by=caller.subject, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(endpoint)
    await session.flush()
    secret = new_secret()
    session.add(_sealed(runtime, endpoint.id, secret, now))
    return endpoint, secret


async def endpoints(session: AsyncSession, caller: Principal) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.enterprise_code == caller.enterprise_code)
    return list((await session.execute(query.order_by(WebhookEndpoint.id))).scalars())


async def endpoint(session: AsyncSession, caller: Principal, endpoint_id: int) -> WebhookEndpoint:
    found = await session.get(WebhookEndpoint, endpoint_id)
    if found is None or found.enterprise_code != caller.enterprise_code:
        raise EndpointNotFound()
    return found


async def disable(session: AsyncSession, caller: Principal, endpoint_id: int, now: datetime) -> WebhookEndpoint:
    found = await endpoint(session, caller, endpoint_id)
    found.active, found.updated_at = False, now
    return found


async def rotate(
    session: AsyncSession, runtime: Runtime, caller: Principal, endpoint_id: int, now: datetime
) -> schemas.SecretRotated:
    """A new secret; the current ones keep signing for the overlap, then expire."""
    found = await endpoint(session, caller, endpoint_id)
    overlap_ends = now + timedelta(hours=runtime.settings.webhook_secret_overlap_hours)
    current = select(WebhookSecret).where(WebhookSecret.endpoint_id == found.id, WebhookSecret.expires_at.is_(None))
    for old in (await session.execute(current)).scalars():
        old.expires_at = overlap_ends
    secret = new_secret()
    session.add(_sealed(runtime, found.id, secret, now))
    return schemas.SecretRotated(secret=secret, previous_expires_at=overlap_ends)


def _sealed(runtime: Runtime, endpoint_id: int, secret: str, now: datetime) -> WebhookSecret:
    sealed = runtime.adapters.sealer.seal(secret, f"webhook:{endpoint_id}")
    return WebhookSecret(endpoint_id=endpoint_id, sealed_secret=sealed, created_at=now)


async def ping(
    session: AsyncSession, runtime: Runtime, caller: Principal, endpoint_id: int, now: datetime
) -> WebhookMessage:
    found = await endpoint(session, caller, endpoint_id)
    await _check_url(runtime, found.url)
    return _message(session, found, "webhook.ping", {"endpoint_id": found.id}, now, "webhook", found.id)


async def messages(session: AsyncSession, caller: Principal, endpoint_id: int) -> list[WebhookMessage]:
    found = await endpoint(session, caller, endpoint_id)
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == found.id).order_by(WebhookMessage.id.desc())
    return list((await session.execute(query.limit(200))).scalars())


async def replay(session: AsyncSession, caller: Principal, msg_id: str, now: datetime) -> WebhookMessage:
    """Sends a past message again, with the same ``webhook-id``."""
    message = (
        await session.execute(select(WebhookMessage).where(WebhookMessage.msg_id == msg_id))
    ).scalar_one_or_none()
    if (
        message is None
        or (await session.get(WebhookEndpoint, message.endpoint_id)).enterprise_code != caller.enterprise_code
    ):
        raise MessageNotFound()
    resend(message, now)
    return message


# ---------------------------------------------------------------------------------- messages


async def enqueue(
    session: AsyncSession, enterprise_code: str, event_type: str, data: dict[str, Any], now: datetime,
    item_type: str, item_id: int,
) -> int:  # fmt: skip
    """A message for each active endpoint of the enterprise subscribed to ``event_type``."""
    sent = 0
    for found in await subscribed(session, enterprise_code):
        sent += message(session, found, event_type, data, now, item_type, item_id) is not None
    return sent


async def enqueue_many(
    session: AsyncSession, event_type: str, messages: list[tuple[str, dict[str, Any], datetime, str, int]]
) -> int:
    """``enqueue`` for many (enterprise code, data, now, item type, item id) at once, in order: the
    enterprises' endpoints read in one query."""
    codes = sorted({code for code, *_ in messages})
    endpoints: dict[str, list[WebhookEndpoint]] = {code: [] for code in codes}
    for start in range(0, len(codes), 900):  # under SQLite's limit on bound parameters
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.enterprise_code.in_(codes[start : start + 900]), WebhookEndpoint.active
        )
        for found in (await session.execute(query.order_by(WebhookEndpoint.id))).scalars():
            endpoints[found.enterprise_code].append(found)
    sent = 0
    for code, data, now, item_type, item_id in messages:
        for found in endpoints[code]:
            sent += message(session, found, event_type, data, now, item_type, item_id) is not None
    return sent


async def subscribed(session: AsyncSession, enterprise_code: str) -> list[WebhookEndpoint]:
    """The enterprise's active endpoints."""
    return (await subscribed_many(session, [enterprise_code]))[enterprise_code]


async def subscribed_many(session: AsyncSession, enterprise_codes: list[str]) -> dict[str, list[WebhookEndpoint]]:
    """Each enterprise's active endpoints, in one query (none: an empty list)."""
    found: dict[str, list[WebhookEndpoint]] = {code: [] for code in enterprise_codes}
    for start in range(0, len(enterprise_codes), 900):  # under SQLite's limit on bound parameters
        chunk = enterprise_codes[start : start + 900]
        query = select(WebhookEndpoint).where(WebhookEndpoint.enterprise_code.in_(chunk), WebhookEndpoint.active)
        for endpoint in (await session.execute(query.order_by(WebhookEndpoint.id))).scalars():
            found[endpoint.enterprise_code].append(endpoint)
    return found


def message(
    session: AsyncSession, found: WebhookEndpoint, event_type: str, data: dict[str, Any], now: datetime,
    item_type: str, item_id: int,
) -> WebhookMessage | None:  # fmt: skip
    """The message for ``found``, if it is subscribed to ``event_type``."""
    return (
        _message(session, found, event_type, data, now, item_type, item_id) if event_type in found.event_types else None
    )


def new_message(
    found: WebhookEndpoint, event_type: str, data: dict[str, Any], now: datetime, item_type: str, item_id: int
) -> dict[str, Any]:
    """The columns of a message for ``found``, due now — for a pass that writes many at once."""
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    return dict(
        msg_id=f"msg_{uuid.uuid4().hex}", endpoint_id=found.id, event_type=event_type, payload=payload,
        item_type=item_type, item_id=item_id, state=DeliveryState.PENDING, attempts=0, available_at=now,
        created_at=now, last_status=None, last_error=None, delivered_at=None,
    )  # fmt: skip


def _message(
    session: AsyncSession, found: WebhookEndpoint, event_type: str, data: dict[str, Any], now: datetime,
    item_type: str, item_id: int,
) -> WebhookMessage:  # fmt: skip
    message = WebhookMessage(**new_message(found, event_type, data, now, item_type, item_id))
    session.add(message)
    ring_on_commit(session, WebhookMessage)
    return message
