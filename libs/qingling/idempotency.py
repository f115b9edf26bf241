"""Idempotency keys for API requests (draft-ietf-httpapi-idempotency-key-header).

A client that may retry (an enterprise system on a flaky network, a mini-program) sends an
``Idempotency-Key``. The key is claimed in a short transaction of its own before the work
starts, so a concurrent twin sees it at once:

- same key, same request, finished   → the stored response is replayed;
- same key, same request, running    → 409 ``idempotency-key-in-use``;
- same key, different request        → 422 ``idempotency-key-reused``.

The response is stored in the work's own transaction, so it exists exactly when the work was
committed. Work that fails releases the key, so the client may retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.db import insert_or_ignore
from qingling.errors import BadRequest, Conflict, ValidationFailed

if TYPE_CHECKING:
    from qingling.runtime import Runtime

# A claim older than this belongs to a request whose process died; a retry may take it over.
CLAIM_TIMEOUT = timedelta(minutes=10)


class IdempotencyRecordBase(SQLModel):
    """Columns of a service's ``idempotency_record`` table; each service declares the table."""

    owner: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    created_at: datetime
    status_code: int | None = None  # None while the first request is still running
    response_body: Any = Field(default=None, sa_type=JSON, nullable=True)


class IdempotencyKeyInUse(Conflict):
    code, title = "idempotency-key-in-use", "相同幂等键的请求正在处理中，请稍后重试"


class IdempotencyKeyMissing(BadRequest):
    code, title = "idempotency-key-missing", "此接口须带 Idempotency-Key 请求头，重试时使用同一个值"


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency-key-reused", "该幂等键已用于内容不同的请求，请换用新的幂等键"


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


@dataclass
class StoredResponse:
    status_code: int
    body: Any


@dataclass
class IdempotencyClaim:
    runtime: Runtime
    owner: str
    key: str
    replay: StoredResponse | None = None

    async def store(self, session: AsyncSession, status_code: int, body: Any) -> None:
        """Store the response inside the work's transaction (one UPDATE: nothing to read back)."""
        model = self.runtime.service.tables.idempotency
        await session.execute(
            update(model)
            .where(model.owner == self.owner, model.key == self.key)
            .values(status_code=status_code, response_body=body)
        )

    async def release(self) -> None:
        """The work failed and was rolled back: free the key for a retry."""
        model = self.runtime.service.tables.idempotency
        async with self.runtime.unit_of_work() as session:
            await session.execute(
                delete(model).where(model.owner == self.owner, model.key == self.key, model.status_code.is_(None))
            )


async def claim(runtime: Runtime, owner: str, key: str, request_fingerprint: str) -> IdempotencyClaim:
    model = runtime.service.tables.idempotency
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        # A new key (the usual case) is claimed in one statement; a concurrent twin's insert waits
        # for this transaction and then finds the key taken.
        fresh = {"owner": owner, "key": key, "fingerprint": request_fingerprint, "created_at": now}
        if await insert_or_ignore(session, model, fresh, ["owner", "key"]):
            return IdempotencyClaim(runtime, owner, key)
        existing = await session.get(model, (owner, key), with_for_update=True, populate_existing=True)
        if existing is None:  # released by a failed twin between our insert and read: "try again"
            raise IdempotencyKeyInUse()
        if existing.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused()
        if existing.status_code is not None:
            return IdempotencyClaim(runtime, owner, key, StoredResponse(existing.status_code, existing.response_body))
        if now - existing.created_at < CLAIM_TIMEOUT:
            raise IdempotencyKeyInUse()
        existing.created_at = now  # take over a claim abandoned by a dead process
        return IdempotencyClaim(runtime, owner, key)


async def run_once(
    runtime: Runtime,
    owner: str,
    key: str | None,
    request_fingerprint: str,
    work: Callable[[AsyncSession], Awaitable[tuple[int, Any]]],
) -> StoredResponse:
    """Does ``work`` once per (owner, key): the first call runs it in a unit of work that also
    stores its response; a retry gets the stored response; failed work frees the key."""
    if not key:
        raise IdempotencyKeyMissing()
    slot = await claim(runtime, owner, key, request_fingerprint)
    if slot.replay is not None:
        return slot.replay
    try:
        async with runtime.unit_of_work() as session:
            status_code, body = await work(session)
            await slot.store(session, status_code, body)
    except BaseException:
        await slot.release()  # after the work's transaction is gone: SQLite has one connection
        raise
    return StoredResponse(status_code, body)
