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

Every state-changing route takes part (``IdempotentRoute``, the class of every route of an
``APIRouter`` from here): the header is optional — without it a request behaves as it would
anyway; with it the answer (status, body, the headers that name what was made) is written in the
request's own transaction (``DbSession``) just before it commits, and a retry — after a replica
was killed or the connection dropped — replays it. A retry that ran beside its first (a dropped
connection on PostgreSQL) and failed because the first changed the record gets the first's
answer too. Keys are per caller: the verified subject of a bearer token, a digest of other
credentials (a receipt holder's HTTP Basic: the receipt and its secret, never stored as such),
or ``public``. A route may say otherwise with ``openapi_extra=idempotency(…)``; a route that
declares the header itself (``run_once``) handles it itself.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import fastapi
from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import JSON, bindparam, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.auth.access import Anyone, Public, declared_rule, verified_principal
from qingling.db import insert_or_ignore
from qingling.errors import BadRequest, Conflict, QinglingError, ValidationFailed
from qingling.sweeps import Batch

if TYPE_CHECKING:
    from qingling.runtime import Runtime

PUBLIC = "public"  # the owner of the keys of callers without credentials


class IdempotencyRecordBase(SQLModel):
    """Columns of a service's ``idempotency_record`` table; each service declares the table."""

    owner: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(index=True)  # the retention sweep takes the oldest first
    status_code: int | None = None  # None only in a claim left by an earlier version (``_stored``)
    response_body: Any = Field(default=None, sa_type=JSON, nullable=True)


class IdempotencyKeyMissing(BadRequest):
    code, title = "idempotency-key-missing", "此接口须带 Idempotency-Key 请求头，重试时使用同一个值"


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency-key-reused", "该幂等键已用于内容不同的请求，请换用新的幂等键"


class IdempotencyKeyTooLong(ValidationFailed):
    code, title = "idempotency-key-too-long", "Idempotency-Key 最长 255 个字符，请用 UUID 等较短的值"


class IdempotencyKeyEmpty(ValidationFailed):
    code = "idempotency-key-empty"
    title = "Idempotency-Key 不能为空：不需要重试保护时不带这个请求头，需要时每次操作用一个新的 UUID"


class IdempotencyAnswerWithheld(Conflict):
    code, title = "idempotency-answer-withheld", "该请求已经完成；其答复含密钥或个人信息，只在首次显示，未予保存"


HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What the stored answer keeps of the headers: what the body is, and what was made.
KEPT_HEADERS = ("content-type", "location", "etag", "last-modified", "content-disposition")
Mode = Literal["replay", "withheld", "by-event-id", "none"]
MODES: dict[str, str] = {
    "replay": "可选。网络中断或服务重启后用同一个值重试：已完成的返回首次的结果（响应头 Idempotent-Replayed: true），"
    "未完成的只执行一次；同一值用于内容不同的请求返回 422。建议每次操作用一个新的 UUID。",
    "withheld": "可选。用同一个值重试时，已完成的不会重复执行，但答复含密钥或个人信息、未予保存，返回 409；"
    "未完成的只执行一次。",
    "by-event-id": "事件 ID。接收方按事件 ID 去重，重复投递不会重复处理。",
}


def idempotency(mode: Mode) -> dict[str, Any]:
    """A route's ``openapi_extra`` when its retries are not replayed: ``withheld`` — the answer
    carries a secret or personal data, not kept at rest (a retry of a finished request gets 409);
    ``by-event-id`` — the receiver deduplicates by the event's id; ``none`` — nothing to repeat
    (a token request: a retry gets another token)."""
    return {"x-idempotency": mode}


def mode_of(route: APIRoute) -> Mode | None:
    """How a route takes part; None for a read, or a route that reads the header itself."""
    if not route.methods & WRITES:
        return None
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if any(param.alias.lower() == HEADER.lower() for param in dependant.header_params):
            return None
        pending.extend(dependant.dependencies)
    return (route.openapi_extra or {}).get("x-idempotency", "replay")


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


async def request_fingerprint(request: Request) -> str:
    """The request as sent: method, path and query, body — a multipart body without its boundary,
    which a client draws anew for each sending (the parts, file names and bytes stay)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/") and (boundary := _boundary(content_type)):
        body = body.replace(boundary, b"")
    target = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
    return fingerprint(request.method, target, body)


def _boundary(content_type: str) -> bytes | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return value.strip('"').encode()
    return None


async def caller_key(request: Request) -> str | None:
    """Whose keys these are: the subject of a verified bearer token; for other credentials (a
    receipt holder's HTTP Basic) a digest of them — the same receipt and secret, and no personal
    data kept; ``public`` for no credentials. None when a token does not verify (the route's rule
    answers 401)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if not credentials:
        return PUBLIC
    if scheme.lower() == "bearer":
        try:
            return (await verified_principal(request, credentials)).subject
        except QinglingError:
            return None
    return "credentials:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]


@dataclass
class StoredResponse:
    status_code: int
    body: Any


class _AnsweredMeanwhile(Exception):
    """A twin committed its answer while this request worked: this work is rolled back."""


@cache
def _answer_of(model: Any) -> Any:
    """The stored answer to an owner's key, built once per service (read before every write)."""
    table = model.__table__  # a Core query: no ORM compilation, nothing loaded but a row
    return select(table.c.fingerprint, table.c.status_code, table.c.response_body).where(
        table.c.owner == bindparam("owner"), table.c.key == bindparam("key")
    )


async def _stored(session: AsyncSession, owner: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    model = session.info["runtime"].service.tables.idempotency
    if (found := (await session.execute(_answer_of(model), {"owner": owner, "key": key})).first()) is None:
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


# ------------------------------------------------------------------------- retention

FORGET_BATCH = 5000  # answers a pass deletes: a short transaction however many are due


async def forget_old_answers(session: AsyncSession, runtime: Runtime, now: datetime) -> Batch:
    """Sweep (every service's workers): deletes the answers kept longer than the
    ``idempotency_retention_hours`` setting, oldest first — a retry of theirs is a new request.
    A claim left by an earlier version goes the same way: long before then its process ended.
    Rows another worker is deleting are skipped (``SKIP LOCKED``; SQLite has one writer)."""
    model = runtime.service.tables.idempotency
    cutoff = now - timedelta(hours=runtime.settings.idempotency_retention_hours)
    oldest = (
        select(model.owner, model.key)
        .where(model.created_at < cutoff)
        .order_by(model.created_at)
        .limit(FORGET_BATCH)
        .with_for_update(skip_locked=True)
    )
    deleted = await session.execute(delete(model).where(tuple_(model.owner, model.key).in_(oldest)))
    return Batch(deleted.rowcount, FORGET_BATCH)


# ------------------------------------------------------------------------- every state-changing route


@dataclass
class _Pending:
    owner: str
    key: str
    fingerprint: str


class IdempotentRoute(APIRoute):
    """A route whose state-changing requests honour ``Idempotency-Key`` (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        mode = mode_of(self)
        if mode is None or mode in {"none", "by-event-id"}:
            return handler
        # Without credentials a route that needs them answers 401 before any key is looked at:
        # the public's keys are one space, where another's key would answer 422.
        open_to_public = isinstance(declared_rule(self), Public | Anyone)

        async def idempotent(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if key is not None and not key.strip():  # sent, but naming nothing: a client's bug to show
                raise IdempotencyKeyEmpty()
            owner = await caller_key(request) if key else None
            if owner is None or (owner == PUBLIC and not open_to_public):
                return await handler(request)
            if len(key) > 255:
                raise IdempotencyKeyTooLong()
            runtime = request.app.state.runtime
            pending = _Pending(owner, key, await request_fingerprint(request))
            async with runtime.unit_of_work() as session:
                stored = await _stored(session, owner, key, pending.fingerprint)
            if stored is not None:
                return _replay(stored)
            try:
                response = await handler(request)
            except Exception:
                # A twin (the same request sent again while this one ran) may have changed the
                # record first, so this one failed: the client gets the twin's answer.
                if (stored := await _answered_meanwhile(request, pending)) is None:
                    raise
                return _replay(stored)
            if response.status_code >= 400 or not hasattr(response, "body"):
                return response  # a refusal is not kept: the client may retry
            return await _keep(request, pending, response, withheld=mode == "withheld")

        return idempotent


class APIRouter(fastapi.APIRouter):
    """Qingling's router: every route an ``IdempotentRoute``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(route_class=IdempotentRoute, **kwargs)


async def _keep(request: Request, pending: _Pending, response: Response, *, withheld: bool) -> Response:
    """Writes the answer in the request's transaction (``DbSession``, committed after this), or
    in one of its own for a route that writes no database of ours (its work is another's)."""
    runtime = request.app.state.runtime
    if withheld:
        body: Any = {"withheld": True}
    else:
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        body = {"headers": headers, **_content(response.body)}
    answer = {"owner": pending.owner, "key": pending.key, "fingerprint": pending.fingerprint,
              "created_at": runtime.clock.now(), "status_code": response.status_code,
              "response_body": body}  # fmt: skip
    model = runtime.service.tables.idempotency
    if (session := getattr(request.state, "db_session", None)) is not None:
        if await insert_or_ignore(session, model, answer, ["owner", "key"]):
            return response
        await session.rollback()  # a twin committed its answer while this one worked: this work is undone
        stored = await _stored(session, pending.owner, pending.key, pending.fingerprint)
    else:
        async with runtime.unit_of_work() as session:
            if await insert_or_ignore(session, model, answer, ["owner", "key"]):
                return response
            stored = await _stored(session, pending.owner, pending.key, pending.fingerprint)
    if stored is None:
        raise RuntimeError(f"idempotency answer of {pending.owner} {pending.key} vanished")
    return _replay(stored)


async def _answered_meanwhile(request: Request, pending: _Pending) -> StoredResponse | None:
    try:
        if (session := getattr(request.state, "db_session", None)) is not None:
            await session.rollback()  # what the failed work did is undone either way
            return await _stored(session, pending.owner, pending.key, pending.fingerprint)
        async with request.app.state.runtime.unit_of_work() as session:
            return await _stored(session, pending.owner, pending.key, pending.fingerprint)
    except Exception:  # the database itself failed: the first failure is the answer
        return None


def _content(body: bytes) -> dict[str, str]:
    """The body as sent, byte for byte: as text, or base64 for bytes that are none."""
    if not body:
        return {}
    try:
        return {"text": body.decode()}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode()}


def _replay(stored: StoredResponse) -> Response:
    answer = stored.body or {}
    if answer.get("withheld"):
        raise IdempotencyAnswerWithheld()
    content = answer["text"].encode() if "text" in answer else base64.b64decode(answer.get("base64", ""))
    headers = {**answer.get("headers", {}), "Idempotent-Replayed": "true"}
    return Response(content, status_code=stored.status_code, headers=headers)
