"""Transactional outbox: cross-service effects written in the same transaction as their cause.

``emit()`` adds one row per destination service inside the caller's unit of work, so the event
exists exactly when the state change that caused it was committed. ``OutboxRelay`` is a user of
the leased delivery queue (``qingling.delivery``): it claims due rows under a lease (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so replicas share the work), POSTs each envelope to the destination's
``/events`` endpoint with the event id as ``Idempotency-Key``, and marks it sent — or schedules a
retry with backoff, or **parks** it when the receiver refuses it for good (a 422: the hazards
service will not make a hazard of it; an unknown event type) or after ``relay_max_attempts``. A
relay that dies mid-delivery leaves its rows leased; they come back when the lease ends and the
receiver's inbox turns the redelivery into a no-op. Parked events are listed to the national
admins (``GET /outbox/parked``) and resent after the cause is corrected (``POST /outbox/{id}/resend``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import structlog
from asgi_correlation_id import correlation_id
from sqlalchemy import JSON, Index, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.bulk import insert_rows
from qingling.delivery import (
    NOT_SENT,
    RETRYABLE_CLIENT_ERRORS,
    Channel,
    DeliveryQueue,
    DeliveryState,
    LeasedRow,
    Outcome,
    resend,
    retry_delay,
    ring_on_commit,
)
from qingling.errors import Conflict, Forbidden, NotFound
from qingling.events import EventData, EventEnvelope
from qingling.inbox import MAX_BATCH
from qingling.regions import Level
from qingling.schemas import Schema, Timestamp

if TYPE_CHECKING:
    from qingling.runtime import Runtime

log = structlog.get_logger(__name__)

__all__ = ["OutboxMessageBase", "OutboxRelay", "backlog", "emit", "emit_many", "retry_delay"]


class OutboxMessageBase(LeasedRow):
    """Columns of a service's ``outbox_message`` table; each service declares the table."""

    __delivered_at__: ClassVar[str] = "sent_at"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(index=True)
    event_type: str = Field(max_length=100)
    subject: str | None = Field(default=None, max_length=100, index=True)  # e.g. tip_off/12
    destination: str = Field(max_length=50)
    payload: dict[str, Any] = Field(sa_type=JSON)
    request_id: str | None = Field(default=None, max_length=64)
    created_at: datetime
    sent_at: datetime | None = None

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        pending = text("state = 'pending'")
        return (
            Index(f"ix_{cls.__tablename__}_pending", "available_at", sqlite_where=pending, postgresql_where=pending),
        )


def emit(session: AsyncSession, event: EventData, *, subject: str, to: Sequence[str]) -> EventEnvelope:
    """Record ``event`` for delivery to each service in ``to``, inside the current transaction."""
    [envelope] = _envelopes(session, [(event, subject)])
    table = session.info["runtime"].service.tables.outbox
    for row in _rows(session, [envelope], to):
        session.add(table(**row))
    ring_on_commit(session, table)
    return envelope


async def emit_many(
    session: AsyncSession, events: Sequence[tuple[EventData, str]], *, to: Sequence[str]
) -> list[EventEnvelope]:
    """``emit`` for a batch of (event, subject) pairs: one statement (``qingling.bulk``) instead of
    one object per row — for bulk writes such as an enterprise reporting a thousand hazards at once."""
    envelopes = _envelopes(session, events)
    rows = _rows(session, envelopes, to)
    if rows:
        table = session.info["runtime"].service.tables.outbox
        await insert_rows(session, table, rows)
        ring_on_commit(session, table)
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
            "subject": envelope.subject[:100],
            "destination": destination,
            "payload": envelope.model_dump(mode="json"),
            "request_id": request_id,
            "created_at": now,
            "available_at": now,
            "attempts": 0,
            "state": DeliveryState.PENDING,
        }
        for envelope in envelopes
        for destination in to
    ]


@dataclass(frozen=True)
class OutboxJob:
    id: uuid.UUID
    event_id: uuid.UUID
    destination: str  # a service name
    envelope: dict[str, Any]  # the event envelope as written, sent as is
    request_id: str | None


CALLS_AT_ONCE = 50  # calls a relay pass has open to the receivers at a time (a pass may claim more events)


class OutboxChannel(Channel[OutboxJob]):
    name = "outbox"
    counts_delivery_as_attempt = False  # ``attempts`` counts the failed tries, as it always has
    per_destination = True  # a pass's events for one service go in one call (``send_batch``)
    ties_by_key = False  # the ids are uuid4: no order among events of one moment to keep

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.table = runtime.service.tables.outbox
        self.batch_size = settings.relay_batch_size
        self.lease = timedelta(seconds=settings.relay_lease_seconds)
        self.interval = settings.relay_interval_seconds
        self.linger = settings.relay_linger_seconds
        self.max_attempts = settings.relay_max_attempts

    async def prepare(self, session: AsyncSession, rows: Sequence[Any], now: datetime) -> list[OutboxJob | None]:
        return [OutboxJob(row.id, row.event_id, row.destination, row.payload, row.request_id) for row in rows]

    async def send(self, job: OutboxJob) -> Outcome:
        url = f"{self.runtime.settings.peer_url}/api/v1/{job.destination}/events"
        headers = {"Idempotency-Key": str(job.event_id)}
        if job.request_id:
            headers["X-Request-ID"] = job.request_id
        response = await self.runtime.http.post(url, json=job.envelope, headers=headers, auth=self.runtime.service_auth)
        return Outcome.of_response(response)

    async def send_batch(self, destination: str, jobs: list[OutboxJob]) -> list[Outcome]:
        """The due events for one service in as few calls as the receiver takes
        (``…/events/batch``, each event with the id of the request that caused it): a pass behind
        a busy intake carries many requests' events in one call, and the receiver takes each
        type's at once; a lone event goes to ``…/events`` as it always has."""
        groups = [jobs[start : start + MAX_BATCH] for start in range(0, len(jobs), MAX_BATCH)]
        at_once = asyncio.Semaphore(CALLS_AT_ONCE)

        async def send(group: list[OutboxJob]) -> list[Outcome]:
            async with at_once:  # a group whose turn comes once the relay is stopping stays unsent
                return [NOT_SENT] * len(group) if self.runtime.stopping.is_set() else await self._send_together(group)

        return [outcome for answer in await asyncio.gather(*(send(group) for group in groups)) for outcome in answer]

    async def _send_together(self, jobs: list[OutboxJob]) -> list[Outcome]:
        if len(jobs) == 1:
            return [await self.send(jobs[0])]
        first = jobs[0]
        url = f"{self.runtime.settings.peer_url}/api/v1/{first.destination}/events/batch"
        same_request = len({job.request_id for job in jobs}) == 1
        headers = {"X-Request-ID": first.request_id} if first.request_id and same_request else {}
        body = {"events": [job.envelope for job in jobs], "request_ids": [job.request_id for job in jobs]}
        response = await self.runtime.http.post(url, json=body, headers=headers, auth=self.runtime.service_auth)
        if response.status_code in (404, 405):  # a receiver from before batches (mid-upgrade): one by one
            return list(await asyncio.gather(*(self.send(job) for job in jobs)))
        if response.status_code != 200:
            return [Outcome.of_response(response)] * len(jobs)
        try:
            answered = {result["event_id"]: result for result in response.json()["results"]}
        except (ValueError, KeyError, TypeError):
            return [Outcome(False, response.status_code, "批量投递的应答无法解读")] * len(jobs)
        return [_outcome(answered.get(str(job.event_id))) for job in jobs]


def _outcome(result: dict[str, Any] | None) -> Outcome:
    """One event's answer within a batch, as the answer to it alone would have been taken."""
    if result is None:
        return Outcome(False, None, "批量投递的应答中没有这条事件")
    if result["status"] in ("processed", "duplicate"):
        return Outcome(True, 200)
    problem = result.get("problem") or {}
    status = int(problem.get("status") or 422)
    detail = problem.get("detail") or problem.get("title") or ""
    error = f"HTTP {status}: {problem.get('code', '')} {detail}".strip()[:500]
    return Outcome(False, status, error, final=400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS)


class OutboxRelay(DeliveryQueue[OutboxJob]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime, OutboxChannel(runtime))


async def backlog(session: AsyncSession, model: type[OutboxMessageBase]) -> tuple[int, datetime | None]:
    """How many events wait for delivery, and since when the oldest waits (parked ones not counted)."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(model.created_at)).where(model.state == DeliveryState.PENDING)
        )
    ).one()
    return count, oldest


# ----------------------------------------------------------------- parked events, for people


class OutboxEventNotFound(NotFound):
    code, title = "outbox-event-not-found", "没有这条待投递事件"


class OutboxEventNotParked(Conflict):
    code, title = "outbox-event-not-parked", "该事件没有被搁置，无需重发"


class OutboxNationalAdminsOnly(Forbidden):
    code, title = "outbox-national-admins-only", "事件队列涉及全国各地的数据，只有国家级系统管理员可以查看和重发"


class ParkedEvent(Schema):
    id: uuid.UUID
    event_id: uuid.UUID = Field(description="事件编号：重发时不变，接收方据此去重")
    event_type: str
    subject: str | None = Field(description="事件涉及的对象，如 tip_off/12")
    destination: str = Field(description="接收事件的服务")
    state: str = Field(description="parked 已搁置（被拒绝或重试次数用尽）；重发后为 pending")
    attempts: int
    last_status: int | None = Field(description="接收方最后一次的 HTTP 状态码")
    last_error: str | None = Field(description="接收方最后一次拒绝的原因")
    created_at: Timestamp
    payload: dict[str, Any] = Field(description="事件信封（含 data）")


def _national_admin(caller: Principal) -> None:
    """The outbox carries events about every region, so no regional admin reads it whole; the
    things it is about show their own parked events to the people who handle them (a tip-off's
    conversion to its handler)."""
    if not (caller.has(Role.ADMIN) and caller.level is Level.NATION):
        raise OutboxNationalAdminsOnly()


async def parked(session: AsyncSession, caller: Principal) -> list[OutboxMessageBase]:
    _national_admin(caller)
    table = session.info["runtime"].service.tables.outbox
    query = select(table).where(table.state == DeliveryState.PARKED).order_by(table.created_at).limit(500)
    return list((await session.execute(query)).scalars())


async def resend_parked(session: AsyncSession, caller: Principal, message_id: uuid.UUID, now: datetime) -> Any:
    """Back into the queue after the cause was corrected (the receiver's data, its configuration)."""
    _national_admin(caller)
    row = await session.get(session.info["runtime"].service.tables.outbox, message_id, with_for_update=True)
    if row is None:
        raise OutboxEventNotFound()
    if row.state != DeliveryState.PARKED:
        raise OutboxEventNotParked(f"该事件的状态为 {row.state}")
    resend(row, now)
    return row


async def latest_about(session: AsyncSession, subjects: Sequence[str], event_type: str) -> dict[str, OutboxMessageBase]:
    """The latest event of ``event_type`` about each of ``subjects`` (one query for a page of
    them): how a thing shows the people who handle it where its effect elsewhere stands — a
    tip-off's conversion to a hazard pending, delivered, or parked because it was refused."""
    if not subjects:
        return {}
    table = session.info["runtime"].service.tables.outbox
    query = select(table).where(
        table.subject.in_(subjects), table.event_type == event_type, table.state != DeliveryState.CANCELLED
    )
    latest: dict[str, OutboxMessageBase] = {}
    for row in (await session.execute(query.order_by(table.created_at))).scalars():
        latest[row.subject] = row
    return latest
