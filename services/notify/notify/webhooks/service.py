"""Webhooks to enterprise systems, signed per the Standard Webhooks specification with the
``standardwebhooks`` library — receivers verify with any of its implementations. Messages are
rows: written in the transaction of the change that causes them, claimed by any number of
workers with ``FOR UPDATE SKIP LOCKED`` and a lease (a killed worker's rows come back after the
lease), sent outside the transaction, retried with backoff. Delivery is at least once; the
``webhook-id`` stays the same on every retry and replay, so receivers drop duplicates by it."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from notify.deliveries.models import Delivery
from notify.webhooks import schemas
from notify.webhooks.models import WebhookEndpoint, WebhookMessage, WebhookSecret
from qingling.auth.principal import Principal
from qingling.errors import FieldError, NotFound, ValidationFailed
from qingling.outbox import retry_delay
from qingling.runtime import Runtime
from qingling.settings import Environment
from qingling.sweeps import keep_running

log = structlog.get_logger(__name__)


class EndpointNotFound(NotFound):
    code, title = "webhook-not-found", "没有这个 webhook，或它不属于本企业"


class MessageNotFound(NotFound):
    code, title = "webhook-message-not-found", "没有这条 webhook 消息，或它不属于本企业"


class UrlNotAllowed(ValidationFailed):
    code, title = "webhook-url-not-allowed", "webhook 地址须为 https 公网地址"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_url(runtime: Runtime, url: str) -> None:
    """In production: https, and not an address inside our own network (a webhook must not
    become a way to reach internal services)."""
    settings = runtime.settings
    if settings.environment is not Environment.PRODUCTION or settings.webhook_allow_private_hosts:
        return
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        private = not ipaddress.ip_address(host).is_global
    except ValueError:
        private = host == "localhost" or host.endswith((".local", ".internal", ".localhost"))
    if parts.scheme != "https" or private:
        raise UrlNotAllowed(errors=[FieldError(location="body", field="/url", message="须为 https 公网地址")])


# ---------------------------------------------------------------------------------- endpoints


async def create(
    session: AsyncSession, runtime: Runtime, caller: Principal, body: schemas.EndpointWrite, now: datetime
) -> tuple[WebhookEndpoint, str]:
    _check_url(runtime, str(body.url))
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


async def ping(session: AsyncSession, caller: Principal, endpoint_id: int, now: datetime) -> WebhookMessage:
    found = await endpoint(session, caller, endpoint_id)
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
    message.state, message.available_at, message.attempts = "pending", now, 0
    return message


# ------------------------------------------------------------------------------------ sending


async def enqueue(
    session: AsyncSession, enterprise_code: str, event_type: str, data: dict[str, Any], now: datetime,
    item_type: str, item_id: int,
) -> int:  # fmt: skip
    """A message for each active endpoint of the enterprise subscribed to ``event_type``."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.enterprise_code == enterprise_code, WebhookEndpoint.active)
    subscribed = [e for e in (await session.execute(query)).scalars() if event_type in e.event_types]
    for found in subscribed:
        _message(session, found, event_type, data, now, item_type, item_id)
    return len(subscribed)


def _message(
    session: AsyncSession, found: WebhookEndpoint, event_type: str, data: dict[str, Any], now: datetime,
    item_type: str, item_id: int,
) -> WebhookMessage:  # fmt: skip
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    message = WebhookMessage(
        msg_id=f"msg_{uuid.uuid4().hex}", endpoint_id=found.id, event_type=event_type, payload=payload,
        item_type=item_type, item_id=item_id, available_at=now, created_at=now,
    )  # fmt: skip
    session.add(message)
    return message


@dataclass(frozen=True)
class _Job:
    id: int
    msg_id: str
    url: str
    secrets: list[str]
    body: str


async def deliver_forever(runtime: Runtime) -> None:
    """Worker: delivers due webhook messages until the runtime stops."""
    settings = runtime.settings

    async def a_batch() -> bool:
        return await deliver_batch(runtime) >= settings.webhook_batch_size  # a full batch: more may be waiting

    await keep_running(runtime, "webhook delivery", a_batch, settings.sweep_interval_seconds)


async def deliver_batch(runtime: Runtime) -> int:
    jobs = await _claim(runtime)
    results = await asyncio.gather(*(_send(runtime, job) for job in jobs))
    if jobs:
        await _record(runtime, list(zip(jobs, results, strict=True)))
        log.info("webhook batch sent", messages=len(jobs), accepted=sum(error is None for _, error in results))
    return len(jobs)


async def _claim(runtime: Runtime) -> list[_Job]:
    settings = runtime.settings
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        query = (
            select(WebhookMessage)
            .where(WebhookMessage.state == "pending", WebhookMessage.available_at <= now)
            .order_by(WebhookMessage.available_at, WebhookMessage.id)
            .limit(settings.webhook_batch_size)
            .with_for_update(skip_locked=True)
        )
        rows = (await session.execute(query)).scalars().all()
        targets = {
            endpoint_id: await _target(session, runtime, endpoint_id, now)
            for endpoint_id in {r.endpoint_id for r in rows}
        }
        jobs = []
        for row in rows:
            target = targets[row.endpoint_id]
            if target is None:
                row.state = "cancelled"  # the enterprise switched the endpoint off
                continue
            row.available_at = now + timedelta(seconds=settings.webhook_lease_seconds)  # the lease
            body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":"))
            jobs.append(_Job(row.id, row.msg_id, target[0], target[1], body))
        return jobs


async def _target(
    session: AsyncSession, runtime: Runtime, endpoint_id: int, now: datetime
) -> tuple[str, list[str]] | None:
    """An active endpoint's URL and the secrets that sign for it now (newest first), once a batch."""
    found = await session.get(WebhookEndpoint, endpoint_id)
    if not found.active:
        return None
    valid = select(WebhookSecret.sealed_secret).where(
        WebhookSecret.endpoint_id == found.id,
        or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
    )
    sealed = (await session.execute(valid.order_by(WebhookSecret.id.desc()))).scalars()
    return found.url, [runtime.adapters.sealer.unseal(value, f"webhook:{found.id}") for value in sealed]


async def _send(runtime: Runtime, job: _Job) -> tuple[int | None, str | None]:
    # The timestamp is the real time of sending, whatever the business clock says: receivers
    # check it against their own clocks to refuse replays.
    sent_at = datetime.now(UTC)
    signature = " ".join(Webhook(key).sign(job.msg_id, sent_at, job.body) for key in job.secrets)
    headers = {
        "content-type": "application/json",
        "webhook-id": job.msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = await runtime.adapters.webhook_http.post(job.url, content=job.body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


async def _record(runtime: Runtime, outcomes: list[tuple[_Job, tuple[int | None, str | None]]]) -> None:
    settings = runtime.settings
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        for job, (status, error) in outcomes:
            row = await session.get(WebhookMessage, job.id, with_for_update=True)
            row.attempts, row.last_status, row.last_error = row.attempts + 1, status, error
            if error is None:
                row.state, row.delivered_at = "delivered", now
            elif row.attempts >= settings.webhook_max_attempts:
                row.state = "failed"
            else:
                row.available_at = now + retry_delay(row.attempts)
            session.add(Delivery(
                item_type=row.item_type or "webhook", item_id=row.item_id or row.endpoint_id, cause=f"webhook:{row.id}",
                step=row.event_type, recipient=f"webhook:{row.endpoint_id}", channel="webhook", template=row.event_type,
                template_version=1, title=row.event_type, text=job.body[:4000], provider_message_id=row.msg_id,
                status="delivered" if error is None else "failed", error=error, attempted_at=now,
            ))  # fmt: skip
