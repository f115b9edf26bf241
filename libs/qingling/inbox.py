"""The receiving side of the outbox: each event is handled at most once per service.

The event id is the primary key of ``inbox_message``; the handler runs in the same transaction
as the insert, so a redelivered event (a relay that died before marking its row sent, a retry
after a timeout) finds its id already there and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.auth.principal import Principal
from qingling.errors import Forbidden, ValidationFailed, field_errors
from qingling.events import EventData, EventEnvelope
from qingling.schemas import Schema

if TYPE_CHECKING:
    from qingling.runtime import Runtime

EventHandler = Callable[[AsyncSession, EventData, EventEnvelope], Awaitable[None]]


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


async def receive(
    session: AsyncSession,
    sender: Principal,
    envelope: EventEnvelope,
    handlers: Mapping[type[EventData], EventHandler],
) -> EventReceipt:
    runtime: Runtime = session.info["runtime"]
    if sender.subject != f"service:{envelope.source}":
        raise ForeignEventSource(f"{sender.subject} 不能投递来源为 {envelope.source} 的事件")
    event_class = EventData.catalogue.get((envelope.type, envelope.version))
    handler = handlers.get(event_class) if event_class else None
    if handler is None:
        raise UnknownEventType(f"{runtime.service.name} 不处理事件 {envelope.type} v{envelope.version}")
    if event_class.publisher != envelope.source:  # e.g. a tip-off message forged by another service
        raise ForeignEventSource(f"事件 {envelope.type} 只能由 {event_class.publisher} 服务发出")
    try:
        data = event_class.model_validate(envelope.data)
    except ValidationError as exc:
        raise ValidationFailed(
            "事件内容与其类型不符",
            errors=field_errors(({**e, "loc": ("data", *e["loc"])} for e in exc.errors()), location="body"),
        ) from exc

    try:
        async with session.begin_nested():
            session.add(
                runtime.service.tables.inbox(
                    event_id=envelope.id,
                    event_type=envelope.type,
                    source=envelope.source,
                    received_at=runtime.clock.now(),
                )
            )
    except IntegrityError:  # seen before (or being handled right now by a concurrent delivery)
        return EventReceipt(event_id=envelope.id, status="duplicate")
    await handler(session, data, envelope)
    return EventReceipt(event_id=envelope.id, status="processed")
