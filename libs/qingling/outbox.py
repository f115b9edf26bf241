"""Transactional outbox: cross-service effects written in the same transaction as their cause.

``emit()`` adds one row per destination service inside the caller's unit of work, so the event
exists exactly when the state change that caused it was committed. ``OutboxRelay`` claims due
rows under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas share the work),
POSTs each envelope to the destination's ``/events`` endpoint with the event id as
``Idempotency-Key``, and marks it sent — or schedules a retry with exponential backoff. A relay
that dies mid-delivery leaves its rows leased; they come back when the lease ends and the
receiver's inbox turns the redelivery into a no-op.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import structlog
from asgi_correlation_id import correlation_id
from sqlalchemy import JSON, Index, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from qingling.events import EventData, EventEnvelope
from qingling.sweeps import keep_running

if TYPE_CHECKING:
    from qingling.runtime import Runtime

log = structlog.get_logger(__name__)

RETRY_BASE = timedelta(seconds=2)
RETRY_CAP = timedelta(minutes=15)


class OutboxMessageBase(SQLModel):
    """Columns of a service's ``outbox_message`` table; each service declares the table."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(index=True)
    event_type: str = Field(max_length=100)
    destination: str = Field(max_length=50)
    payload: dict[str, Any] = Field(sa_type=JSON)
    request_id: str | None = Field(default=None, max_length=64)
    created_at: datetime
    available_at: datetime  # not before: the next attempt, or the end of a relay's lease
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = None

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        pending = text("sent_at IS NULL")
        return (
            Index(f"ix_{cls.__tablename__}_pending", "available_at", sqlite_where=pending, postgresql_where=pending),
        )


def emit(session: AsyncSession, event: EventData, *, subject: str, to: Sequence[str]) -> EventEnvelope:
    """Record ``event`` for delivery to each service in ``to``, inside the current transaction."""
    [envelope] = _envelopes(session, [(event, subject)])
    for row in _rows(session, [envelope], to):
        session.add(session.info["runtime"].service.tables.outbox(**row))
    return envelope


async def emit_many(
    session: AsyncSession, events: Sequence[tuple[EventData, str]], *, to: Sequence[str]
) -> list[EventEnvelope]:
    """``emit`` for a batch of (event, subject) pairs: one multi-row INSERT instead of one
    object per row — for bulk writes such as an enterprise reporting a thousand hazards at once."""
    envelopes = _envelopes(session, events)
    rows = _rows(session, envelopes, to)
    if rows:
        await session.execute(insert(session.info["runtime"].service.tables.outbox), rows)
    return envelopes


def _envelopes(session: AsyncSession, events: Sequence[tuple[EventData, str]]) -> list[EventEnvelope]:
    runtime: Runtime = session.info["runtime"]
    now = runtime.clock.now()
    return [event.envelope(subject=subject, source=runtime.service.name, occurred_at=now) for event, subject in events]


def _rows(session: AsyncSession, envelopes: Sequence[EventEnvelope], to: Sequence[str]) -> list[dict[str, Any]]:
    now = session.info["runtime"].clock.now()
    request_id = correlation_id.get()
    return [
        {
            "id": uuid.uuid4(),
            "event_id": envelope.id,
            "event_type": envelope.type,
            "destination": destination,
            "payload": envelope.model_dump(mode="json"),
            "request_id": request_id,
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        }
        for envelope in envelopes
        for destination in to
    ]


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    event_id: uuid.UUID
    destination: str
    payload: dict[str, Any]
    request_id: str | None
    attempts: int


class OutboxRelay:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.model = runtime.service.tables.outbox
        settings = runtime.settings
        self.batch_size = settings.relay_batch_size
        self.lease = timedelta(seconds=settings.relay_lease_seconds)
        self.interval = settings.relay_interval_seconds

    async def run_forever(self) -> None:
        async def a_batch() -> bool:
            return await self.run_once() >= self.batch_size  # a full batch: more may be waiting

        await keep_running(self.runtime, "outbox relay", a_batch, self.interval)

    async def run_once(self) -> int:
        """Claim one batch of due rows and try each once. Returns how many were claimed."""
        batch = await self._claim()
        await asyncio.gather(*(self._deliver(row) for row in batch))
        return len(batch)

    async def _claim(self) -> list[_Claimed]:
        async with self.runtime.unit_of_work() as session:
            now = self.runtime.clock.now()
            query = (
                select(self.model)
                .where(self.model.sent_at.is_(None), self.model.available_at <= now)
                .order_by(self.model.available_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(query)).scalars().all()
            for row in rows:
                row.available_at = now + self.lease
            return [
                _Claimed(row.id, row.event_id, row.destination, row.payload, row.request_id, row.attempts)
                for row in rows
            ]

    async def _deliver(self, row: _Claimed) -> None:
        url = f"{self.runtime.settings.peer_url}/api/v1/{row.destination}/events"
        headers = {"Idempotency-Key": str(row.event_id)}
        if row.request_id:
            headers["X-Request-ID"] = row.request_id
        error: str | None = None
        try:
            response = await self.runtime.http.post(
                url, json=row.payload, headers=headers, auth=self.runtime.service_auth
            )
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await self._record(row, error)

    async def _record(self, row: _Claimed, error: str | None) -> None:
        async with self.runtime.unit_of_work() as session:
            message = await session.get(self.model, row.id)
            now = self.runtime.clock.now()
            if error is None:
                message.sent_at = now
                log.info("event delivered", event_id=str(row.event_id), destination=row.destination)
                return
            message.attempts = row.attempts + 1
            message.last_error = error
            message.available_at = now + retry_delay(message.attempts)
            log.warning("event delivery failed", event_id=str(row.event_id), attempts=message.attempts, error=error)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter in its upper half, capped."""
    delay = min(RETRY_CAP, RETRY_BASE * 2 ** min(attempts - 1, 20))
    return delay * random.uniform(0.5, 1.0)


async def backlog(session: AsyncSession, model: type[OutboxMessageBase]) -> tuple[int, datetime | None]:
    """How many events wait for delivery, and since when the oldest waits."""
    count, oldest = (
        await session.execute(select(func.count(), func.min(model.created_at)).where(model.sent_at.is_(None)))
    ).one()
    return count, oldest
