"""Two small services for the outbox tests: ``alpha`` writes notes and tells ``beta`` through
its outbox; ``beta`` keeps what it received. Each has its own database and migrations, like a
real service."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from asgi_correlation_id import correlation_id
from fastapi import APIRouter
from pydantic import Field as PydanticField
from pydantic_settings import SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.db import DbSession, service_registry
from qingling.errors import ValidationFailed
from qingling.events import EventData, EventEnvelope
from qingling.outbox import emit
from qingling.runtime import Service
from qingling.schemas import Schema, Timestamp
from qingling.settings import ServiceSettings
from qingling.tables import PlatformTables

MIGRATIONS = Path(__file__).parent / "migrations"


class NoteWritten(EventData):
    event_type: ClassVar[str] = "test.note_written"
    publisher: ClassVar[str] = "alpha"
    note_id: int
    text: str


class AlphaModel(SQLModel, registry=service_registry()):
    pass


class Note(AlphaModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    text: str
    observed_at: datetime | None = None


class BetaModel(SQLModel, registry=service_registry()):
    pass


class ReceivedNote(BetaModel, table=True):
    __tablename__ = "received_note"
    event_id: uuid.UUID = Field(primary_key=True)
    note_id: int
    text: str


class AlphaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_ALPHA_")
    service_name: ClassVar[str] = "alpha"


class BetaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_BETA_")
    service_name: ClassVar[str] = "beta"


class NoteIn(Schema):
    text: str = PydanticField(min_length=2, max_length=50)
    observed_at: Timestamp | None = None
    tags: list[str] = PydanticField(default_factory=list, max_length=3)
    reject_after_emit: bool = False  # raise after emitting: the event must die with the rollback


class NoteOut(Schema):
    id: int
    text: str
    observed_at: Timestamp | None = None


alpha_router = APIRouter(tags=["notes"])


@alpha_router.post("/notes", status_code=201)
async def write_note(body: NoteIn, session: DbSession) -> NoteOut:
    note = Note(text=body.text, observed_at=body.observed_at)
    session.add(note)
    await session.flush()
    emit(session, NoteWritten(note_id=note.id, text=note.text), subject=f"note/{note.id}", to=["beta"])
    if body.reject_after_emit:
        raise ValidationFailed.for_field("reject_after_emit", "按请求拒绝")
    return NoteOut.model_validate(note)


@alpha_router.get("/notes")
async def list_notes(session: DbSession) -> list[NoteOut]:
    return [NoteOut.model_validate(note) for note in (await session.execute(select(Note))).scalars()]


beta_router = APIRouter(tags=["notes"])


class ReceivedOut(Schema):
    id: int
    text: str


@beta_router.get("/notes")
async def received_notes(session: DbSession) -> list[ReceivedOut]:
    rows = (await session.execute(select(ReceivedNote).order_by(ReceivedNote.note_id))).scalars()
    return [ReceivedOut(id=row.note_id, text=row.text) for row in rows]


HANDLED: list[tuple[str, str | None]] = []  # each note's text and the request id it was taken under, in order


async def on_note_written(session: AsyncSession, data: NoteWritten, envelope: EventEnvelope) -> None:
    HANDLED.append((data.text, correlation_id.get()))
    session.add(ReceivedNote(event_id=envelope.id, note_id=data.note_id, text=data.text))
    await session.flush()
    if data.text.startswith("拒收"):  # refused after writing: the write must go with the refusal
        raise ValidationFailed.for_field("text", "beta 不接收以“拒收”开头的记录")


TAKEN_TOGETHER: list[int] = []  # how many events each call of ``on_notes_written`` took


async def on_notes_written(session: AsyncSession, events: list[tuple[NoteWritten, EventEnvelope]]) -> None:
    """``on_note_written`` for many at once (a batch's run of them)."""
    TAKEN_TOGETHER.append(len(events))
    HANDLED.extend((data.text, correlation_id.get()) for data, _ in events)
    session.add_all(ReceivedNote(event_id=env.id, note_id=data.note_id, text=data.text) for data, env in events)
    await session.flush()
    if any(data.text.startswith("拒收") for data, _ in events):
        raise ValidationFailed.for_field("text", "beta 不接收以“拒收”开头的记录")


alpha = Service(
    name="alpha",
    title="alpha",
    description="sender",
    package="sample_apps",
    migrations=MIGRATIONS / "alpha",
    settings_class=AlphaSettings,
    tables=PlatformTables.declare(AlphaModel),
    routers=[alpha_router],
)
beta = Service(
    name="beta",
    title="beta",
    description="receiver",
    package="sample_apps",
    migrations=MIGRATIONS / "beta",
    settings_class=BetaSettings,
    tables=PlatformTables.declare(BetaModel),
    routers=[beta_router],
    event_handlers={NoteWritten: on_note_written},
    batch_event_handlers={NoteWritten: on_notes_written},
)
