"""The receiving side of the outbox: each event is handled at most once per service.

The event id is the primary key of ``inbox_message``; the handler runs in the same transaction
as the insert, so a redelivered event (a relay that died before marking its row sent, a retry
after a timeout) finds its id already there and changes nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pydantic
from asgi_correlation_id import correlation_id
from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.auth.principal import Principal
from qingling.bulk import insert_new
from qingling.errors import Forbidden, Problem, QinglingError, ValidationFailed, field_errors
from qingling.events import EventData, EventEnvelope
from qingling.schemas import Schema

if TYPE_CHECKING:
    from qingling.runtime import Runtime

EventHandler = Callable[[AsyncSession, EventData, EventEnvelope], Awaitable[None]]
# Many events of one type at once, at most one per subject: does for each what its EventHandler would.
BatchEventHandler = Callable[[AsyncSession, list[tuple[EventData, EventEnvelope]]], Awaitable[None]]
# Before a batch's events are handled: locks the rows their handlers will lock, in the one order
# every transaction of the service locks them (``receive_many``).
BatchLocks = Callable[[AsyncSession, list[EventData]], Awaitable[None]]


class InboxMessageBase(SQLModel):
    """Columns of a service's ``inbox_message`` table; each service declares the table."""

    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str = Field(max_length=100)
    source: str = Field(max_length=50)
    received_at: datetime


class UnknownEventType(ValidationFailed):
    code, title = "unknown-event-type", "本服务不处理该类型的事件"


class ForeignEventSource(Forbidden):
    code, title = "foreign-event-source", "服务只能投递自己发出的事件"


class EventReceipt(Schema):
    event_id: uuid.UUID
    status: Literal["processed", "duplicate"]


MAX_BATCH = 1000


class EventBatch(Schema):
    """同一服务发给本服务的一批事件，同一对象（subject）的事件按提交顺序处理。"""

    events: list[EventEnvelope] = pydantic.Field(min_length=1, max_length=MAX_BATCH)
    request_ids: list[str | None] | None = pydantic.Field(
        default=None, description="各事件由哪个请求引起（与 events 一一对应），用于日志关联"
    )

    @pydantic.model_validator(mode="after")
    def _one_request_id_per_event(self) -> EventBatch:
        if self.request_ids is not None and len(self.request_ids) != len(self.events):
            raise ValueError("request_ids 须与 events 一一对应")
        return self


class EventOutcome(Schema):
    event_id: uuid.UUID
    status: Literal["processed", "duplicate", "refused"] = pydantic.Field(
        description="processed 已处理；duplicate 此前已处理（按事件 ID 去重）；refused 被拒绝，原因见 problem"
    )
    problem: Problem | None = pydantic.Field(default=None, description="被拒绝时的错误（与单条投递时的响应相同）")


class EventBatchReceipt(Schema):
    results: list[EventOutcome] = pydantic.Field(description="与提交的事件一一对应、顺序相同")


async def receive(
    session: AsyncSession,
    sender: Principal,
    envelope: EventEnvelope,
    handlers: Mapping[type[EventData], EventHandler],
) -> EventReceipt:
    runtime: Runtime = session.info["runtime"]
    data = _checked(runtime, sender, envelope, handlers)
    try:
        async with session.begin_nested():
            session.add(runtime.service.tables.inbox(**_inbox_row(runtime, envelope)))
    except IntegrityError:  # seen before (or being handled right now by a concurrent delivery)
        return EventReceipt(event_id=envelope.id, status="duplicate")
    await handlers[type(data)](session, data, envelope)
    return EventReceipt(event_id=envelope.id, status="processed")


def _checked(
    runtime: Runtime, sender: Principal, envelope: EventEnvelope, handlers: Mapping[type[EventData], Any]
) -> EventData:
    """The event's data, once the sender, the type and the content pass (else the refusal)."""
    if sender.subject != f"service:{envelope.source}":
        raise ForeignEventSource(f"{sender.subject} 不能投递来源为 {envelope.source} 的事件")
    event_class = EventData.catalogue.get((envelope.type, envelope.version))
    if event_class is None or event_class not in handlers:
        raise UnknownEventType(f"{runtime.service.name} 不处理事件 {envelope.type} v{envelope.version}")
    if event_class.publisher != envelope.source:  # e.g. a tip-off message forged by another service
        raise ForeignEventSource(f"事件 {envelope.type} 只能由 {event_class.publisher} 服务发出")
    try:
        return event_class.model_validate(envelope.data)
    except ValidationError as exc:
        raise ValidationFailed(
            "事件内容与其类型不符",
            errors=field_errors(({**e, "loc": ("data", *e["loc"])} for e in exc.errors()), location="body"),
        ) from exc


def _inbox_row(runtime: Runtime, envelope: EventEnvelope) -> dict[str, Any]:
    return {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "source": envelope.source,
        "received_at": runtime.clock.now(),
    }


async def receive_many(
    session: AsyncSession,
    sender: Principal,
    batch: EventBatch,
    handlers: Mapping[type[EventData], EventHandler],
    request: Request,
    together: Mapping[type[EventData], BatchEventHandler] | None = None,
    locks: BatchLocks | None = None,
) -> EventBatchReceipt:
    """Many events in one request and one transaction, each as ``receive`` takes it alone: one
    that is refused (a problem of ours: 4xx, or a 5xx the sender retries) is rolled back to its
    own savepoint and answered with its problem, and the others stand. Anything else fails the
    whole request, and the sender retries every event of it — the inbox drops the ones it took.

    Order is kept per subject, the one order a relay keeps (across subjects it promises none: a
    retried event arrives after later ones): the n-th event of a subject is taken in the n-th
    *wave*, after every earlier wave. Within a wave, the events of a type with a handler in
    ``together`` (a bulk self-report's thousand ``hazard.changed``, the intake's tip-offs) are
    taken in one go where the first of them came: their inbox rows in one statement, the new ones
    handed to that handler at once, under one savepoint — so it sees at most one event per
    subject. Should it refuse, that group is taken again one event at a time, so the refusal is
    answered for its own event only.

    Events of many subjects, taken in this order, would lock the rows they change in this order
    too — crosswise to another transaction changing the same rows in the service's own order (a
    recount locking every open hazard by id), and one of the two would die in a deadlock. So
    ``locks`` first takes every row lock the batch will need, in the service's order, in the
    request's transaction (a savepoint rolled back would release them)."""
    runtime: Runtime = session.info["runtime"]
    together = together or {}
    results: list[EventOutcome | None] = [None] * len(batch.events)
    request_ids = batch.request_ids or [None] * len(batch.events)

    def refused(index: int, error: QinglingError) -> None:
        problem = error.to_problem(request)
        results[index] = EventOutcome(event_id=batch.events[index].id, status="refused", problem=problem)

    waves: list[list[tuple[int, EventData]]] = []
    seen: Counter[str] = Counter()
    for index, envelope in enumerate(batch.events):
        try:
            data = _checked(runtime, sender, envelope, handlers)
        except QinglingError as error:
            refused(index, error)
            continue
        if seen[envelope.subject] == len(waves):
            waves.append([])
        waves[seen[envelope.subject]].append((index, data))
        seen[envelope.subject] += 1
    if locks is not None:
        await locks(session, [data for wave in waves for _, data in wave])
    for wave in waves:
        groups: dict[object, list[tuple[int, EventData]]] = defaultdict(list)
        for index, data in wave:  # a type taken together is taken where its first event came
            groups[type(data) if type(data) in together else index].append((index, data))
        for group in groups.values():
            if len(group) > 1:
                handler = together[type(group[0][1])]
                try:
                    async with session.begin_nested():
                        taken = await _take_together(session, runtime, batch.events, group, handler)
                except QinglingError:
                    pass  # one of them is refused: one at a time below, so only it is
                else:
                    for index, _ in group:
                        status = "processed" if index in taken else "duplicate"
                        results[index] = EventOutcome(event_id=batch.events[index].id, status=status)
                    continue
            for index, _ in group:
                token = correlation_id.set(request_ids[index] or correlation_id.get())  # its own request's id
                try:
                    async with session.begin_nested():
                        receipt = await receive(session, sender, batch.events[index], handlers)
                except QinglingError as error:
                    refused(index, error)
                    continue
                finally:
                    correlation_id.reset(token)
                results[index] = EventOutcome(event_id=receipt.event_id, status=receipt.status)
    return EventBatchReceipt(results=[result for result in results if result is not None])


async def _take_together(
    session: AsyncSession,
    runtime: Runtime,
    envelopes: list[EventEnvelope],
    group: list[tuple[int, EventData]],
    handler: BatchEventHandler,
) -> set[int]:
    """Inbox rows for the group's events in one statement; the new ones to ``handler``. Returns
    the positions of those it took."""
    rows = [_inbox_row(runtime, envelopes[index]) for index, _ in group]
    new = await insert_new(session, runtime.service.tables.inbox, rows, ["event_id"])
    taken: dict[int, tuple[EventData, EventEnvelope]] = {}
    for index, data in group:
        if (event_id := str(envelopes[index].id)) in new:
            new.discard(event_id)
            taken[index] = (data, envelopes[index])
    if taken:
        await handler(session, list(taken.values()))
    return set(taken)
