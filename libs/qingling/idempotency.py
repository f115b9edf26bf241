"""Idempotency keys for API requests (draft-ietf-httpapi-idempotency-key-header).

A client that may retry (an enterprise system on a flaky network, a mini-program) sends an
``Idempotency-Key``. The response is stored in the work's own transaction, with the work, so it
exists exactly when the work was committed:

- same key, same request, finished → the stored response is replayed;
- same key, same request, running  → both do the work, and both get the answer of the one that
  commits first: the answer is written once per key (its primary key), with the work, so the
  other's work is rolled back (on PostgreSQL it waits until the first has committed or not);
- same key, different request      → 422 ``idempotency-key-reused``.

Work that fails leaves nothing behind, so the client may retry. (There is no separate claim
before the work: that was a transaction of its own per request, and a claim left behind by a
process that died had to time out before a retry could take it over.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.db import insert_or_ignore
from qingling.errors import BadRequest, ValidationFailed

if TYPE_CHECKING:
    from qingling.runtime import Runtime


class IdempotencyRecordBase(SQLModel):
    """Columns of a service's ``idempotency_record`` table; each service declares the table."""

    owner: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    created_at: datetime
    status_code: int | None = None  # None only in a claim left by an earlier version (``_stored``)
    response_body: Any = Field(default=None, sa_type=JSON, nullable=True)


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


class _AnsweredMeanwhile(Exception):
    """A twin committed its answer while this request worked: this work is rolled back."""


async def _stored(session: AsyncSession, owner: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    model = session.info["runtime"].service.tables.idempotency
    query = select(model.fingerprint, model.status_code, model.response_body).where(
        model.owner == owner, model.key == key
    )
    if (found := (await session.execute(query)).first()) is None:
        return None
    if found.status_code is None:  # a claim taken before the work by an earlier version: no answer
        await session.execute(delete(model).where(model.owner == owner, model.key == key))
        return None
    if found.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    return StoredResponse(found.status_code, found.response_body)


async def run_once(
    runtime: Runtime,
    owner: str,
    key: str | None,
    request_fingerprint: str,
    work: Callable[[AsyncSession], Awaitable[tuple[int, Any]]],
) -> StoredResponse:
    """Does ``work`` once per (owner, key), in one transaction with its stored response: a retry
    gets the stored response, and so does a twin that ran at the same time (see the module)."""
    if not key:
        raise IdempotencyKeyMissing()
    model = runtime.service.tables.idempotency
    try:
        async with runtime.unit_of_work() as session:
            if (stored := await _stored(session, owner, key, request_fingerprint)) is not None:
                return stored
            status_code, body = await work(session)
            answer = {"owner": owner, "key": key, "fingerprint": request_fingerprint,
                      "created_at": runtime.clock.now(), "status_code": status_code, "response_body": body}  # fmt: skip
            # A twin's row not yet committed is waited for (PostgreSQL) or cannot exist (SQLite's
            # one writer); either way a row found here is a committed answer.
            if not await insert_or_ignore(session, model, answer, ["owner", "key"]):
                raise _AnsweredMeanwhile()
    except _AnsweredMeanwhile:
        async with runtime.unit_of_work() as session:
            stored = await _stored(session, owner, key, request_fingerprint)
        if stored is None:  # committed a moment ago, and answers are kept while a retry may come
            raise RuntimeError(f"idempotency answer of {owner} {key} vanished") from None
        return stored
    return StoredResponse(status_code, body)
