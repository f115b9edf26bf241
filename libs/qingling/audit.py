"""A tamper-evident trail: each entry's hash covers the previous entry's hash, so editing any
entry breaks every hash after it. The head (last seq and hash) is also kept on the record the
trail belongs to, so a deleted tail is noticed too.

    entry = trail_entry(model, record.id, head, action=..., actor=..., at=..., payload=...)
    session.add(entry); record.audit_seq, record.audit_head = entry.seq, entry.hash
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic
from sqlalchemy import JSON, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import declared_attr
from sqlalchemy.schema import UniqueConstraint
from sqlmodel import Field, SQLModel

from qingling.auth.principal import Principal
from qingling.schemas import Schema, Timestamp

GENESIS = "0" * 64


class AuditEntryBase(SQLModel):
    """Columns of an audit trail table; the service declares the table and its ``subject_id``."""

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(index=True)
    seq: int
    action: str = Field(max_length=50)
    actor: str = Field(max_length=100)
    actor_roles: list[str] = Field(sa_type=JSON)
    at: datetime
    reason: str | None = Field(default=None, max_length=1000)
    payload: dict[str, Any] = Field(sa_type=JSON)
    payload_digest: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("subject_id", "seq"),)


@dataclass(frozen=True)
class Head:
    seq: int = 0
    hash: str = GENESIS


def digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _entry_hash(entry: Mapping[str, Any]) -> str:
    fields = [entry["subject_id"], entry["seq"], entry["action"], entry["actor"], sorted(entry["actor_roles"])]
    fields += [entry["at"].isoformat(), entry["reason"], entry["payload_digest"], entry["prev_hash"]]
    return digest({"entry": fields})


def trail_values(
    subject_id: int,
    head: Head,
    *,
    action: str,
    actor: Principal,
    at: datetime,
    payload: dict[str, Any],
    reason: str | None = None,
) -> dict[str, Any]:
    """The column values of the next entry after ``head`` — for bulk inserts as they are."""
    entry = {
        "subject_id": subject_id,
        "seq": head.seq + 1,
        "action": action,
        "actor": actor.subject,
        "actor_roles": sorted(actor.roles),
        "at": at,
        "reason": reason,
        "payload": payload,
        "payload_digest": digest(payload),
        "prev_hash": head.hash,
    }
    return entry | {"hash": _entry_hash(entry)}


def trail_entry(model: type[AuditEntryBase], subject_id: int, head: Head, **details: Any) -> AuditEntryBase:
    return model(**trail_values(subject_id, head, **details))


async def trail(session: AsyncSession, model: type[AuditEntryBase], subject_id: int) -> list[AuditEntryBase]:
    """A record's whole trail, in order."""
    query = select(model).where(model.subject_id == subject_id).order_by(model.seq)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Verification:
    intact: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


def verify(entries: list[AuditEntryBase], head: Head) -> Verification:
    """Checks the chain entry by entry and against the head kept on the record; names the first
    entry that does not hold."""
    previous = Head()
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.seq != previous.seq + 1:
            return Verification(False, len(entries), previous.seq + 1, f"第 {previous.seq + 1} 条记录缺失")
        if entry.payload_digest != digest(entry.payload):
            return Verification(False, len(entries), entry.seq, f"第 {entry.seq} 条记录的内容被改动")
        if entry.prev_hash != previous.hash or entry.hash != _entry_hash(entry.model_dump()):
            return Verification(False, len(entries), entry.seq, f"第 {entry.seq} 条记录与哈希链不符")
        previous = Head(entry.seq, entry.hash)
    if previous != head:
        missing = previous.seq + 1
        return Verification(False, len(entries), missing, f"第 {missing} 条起的记录被删除（链尾与记录不符）")
    return Verification(True, len(entries))


class AuditEntryRead(Schema):
    """台账中的一条记录：谁、何时、以什么角色、理由、提交的内容及其摘要，按哈希链串联。"""

    seq: int
    action: str
    actor: str
    actor_roles: list[str]
    at: Timestamp
    reason: str | None
    payload: dict
    payload_digest: str
    hash: str


class TrailVerification(Schema):
    intact: bool
    entries: int
    first_broken_seq: int | None = pydantic.Field(description="第一条不符的记录序号")
    problem: str | None
