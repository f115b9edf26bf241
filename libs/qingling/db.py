"""Database plumbing: per-service metadata, engines for SQLite and PostgreSQL, the unit of work.

Transactions are owned in exactly one place: the request dependency ``DbSession`` (or
``Runtime.unit_of_work()`` in workers) commits when the work succeeds and rolls back when it
raises. Services only ``flush()``. That is what keeps an outbox row and the state change that
caused it in one transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from typing import Annotated, Any, TypeVar

import aiosqlite
import structlog
from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy import JSON, MetaData, Table, event, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

from qingling.settings import ServiceSettings

T = TypeVar("T")
log = structlog.get_logger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_registry() -> registry:
    """A registry of its own for each service, so one service's Alembic never sees another's
    tables: ``class HazardsModel(SQLModel, registry=service_registry()): ...``"""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    if not settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout_seconds,
            pool_recycle=RECYCLE_SECONDS,
            connect_args={"server_settings": _session_limits(settings)},
        )
        event.listen(engine.sync_engine, "checkout", _closed_by_server)
        return engine
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # One connection per process, shared by requests and background work: SQLite has a single
    # writer anyway, and queueing in the pool is kinder than "database is locked".
    path = make_url(settings.database_url).database

    async def connect() -> InlineSQLiteConnection:
        return await InlineSQLiteConnection(partial(sqlite3.connect, path, timeout=30))

    engine = create_async_engine(
        settings.database_url, async_creator=connect, pool_size=1, max_overflow=0, pool_timeout=60
    )
    _configure_sqlite(engine)
    return engine


def _session_limits(settings: ServiceSettings) -> dict[str, str]:
    """PostgreSQL's limits for every statement of the service's connections, set as each is opened
    (asyncpg's ``server_settings``): in milliseconds, 0 for none."""
    return {
        "statement_timeout": str(round(settings.database_statement_timeout_seconds * 1000)),
        "lock_timeout": str(round(settings.database_lock_timeout_seconds * 1000)),
    }


# A pooled PostgreSQL connection is replaced after this long, before any idle-connection timeout
# of a firewall or proxy between the service and the database can have dropped it silently.
RECYCLE_SECONDS = 1800


def _closed_by_server(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Checks a pooled connection as it is taken: one the server closed (a restart, a terminated
    backend) is replaced before the request uses it. asyncpg knows this without asking the server;
    ``pool_pre_ping`` asked it — BEGIN, an empty query, ROLLBACK: three round trips for every
    checkout, a tenth of a tip-off intake's CPU in the reports service."""
    if record.driver_connection is not None and record.driver_connection.is_closed():
        raise DisconnectionError("the database closed this connection")  # the pool takes a fresh one


class _CallAtOnce:
    """Stands in for aiosqlite's queue to its worker thread: runs each call as it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, call = item
        try:
            result = call()
        except BaseException as exc:  # handed to the awaiting caller, as the worker thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineSQLiteConnection(aiosqlite.Connection):
    """aiosqlite's connection with every call made on the event loop's own thread.

    aiosqlite hands each call (cursor, execute, fetch, close, commit) to a worker thread and wakes
    the loop for the answer: three or four thread hand-offs per statement, each waiting for the GIL
    behind whatever the loop is doing — under load more time than SQLite spends on the statement
    (an intake's ~25 statements took ~5 ms of CPU in hand-offs alone, and its p99 grew with every
    connection). A statement on a local file takes microseconds, so it is made in place. What
    this gives up: a long query holds up the other requests of the process while it runs, where
    the worker thread let them go on (SQLite releases the GIL inside a statement). The embedded
    mode is for a town's or county's data, where no query is long; a province runs PostgreSQL."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _CallAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()  # no worker thread to start


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        pragmas = ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL", WAL_SAFETY_NET)
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes can
        # fail with SQLITE_BUSY when another process (a migration, the CLI) writes meanwhile.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# The write-ahead log is copied into the database by a thread of its own (``checkpoints_aside``);
# a connection copies it itself only when the log has grown this large (pages of 4 KB) — when no
# such thread runs (the command line, a migration) or it cannot keep up.
WAL_SAFETY_NET = "wal_autocheckpoint=10000"
CHECKPOINT_SECONDS = 0.5


@contextmanager
def checkpoints_aside(settings: ServiceSettings) -> Iterator[None]:
    """Copies a SQLite database's write-ahead log into it every half second, from a thread with a
    connection of its own. Left to SQLite, the commit that fills the log past 1,000 pages copies
    it — on the event loop's thread, where every statement runs (``InlineSQLiteConnection``):
    about half of what commits cost an intake, and a pause for every request in the process. A
    passive checkpoint waits for no one and no one waits for it (the sqlite3 module lets go of the
    GIL while it writes). Nothing for PostgreSQL or an in-memory database."""
    path = make_url(settings.database_url).database if settings.is_sqlite else None
    if not path or path == ":memory:":
        yield
        return
    stop = threading.Event()

    def copy_until_stopped() -> None:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            while not stop.wait(CHECKPOINT_SECONDS):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the safety net above still bounds the log
                    log.warning("write-ahead log not checkpointed", database=path, error=str(exc))
        finally:
            connection.close()

    thread = threading.Thread(target=copy_until_stopped, name="sqlite-checkpoints", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def existing_values(session: AsyncSession, column: Any, values: set[str]) -> set[str]:
    """Which of ``values`` occur in ``column`` — in chunks, under SQLite's bound-parameter limit."""
    ordered = sorted(values)
    found: set[str] = set()
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        found |= set((await session.execute(select(column).where(column.in_(chunk)))).scalars())
    return found


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.unit_of_work() as session:
        request.state.db_session = session  # an idempotency key's answer is written in it (qingling.idempotency)
        yield session


# scope="function": commit before the response is sent, so a client never sees a success
# that was not stored.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]


def made_by(make: Callable[[], T]) -> Callable[[], T]:
    """``make`` as a default factory that pydantic inspects cheaply. Building a table object,
    sqlmodel asks each field for its default and pydantic looks at the factory's signature every
    time: for a builtin (``list``) or a class it parses the text signature — 50–100 µs a field,
    half of building a tip-off on the intake's hot path; for a plain function a few µs."""

    def default() -> T:
        return make()

    return default


class PydanticJSON(TypeDecorator):
    """A JSON column holding one pydantic model: written as its JSON form, read back validated.
    Typed state instead of a dict read by string keys. SQLAlchemy sees a change only when the
    attribute is assigned, so the models are replaced whole (``model_copy(update=…)``), never
    changed in place."""

    impl = JSON
    cache_ok = True

    def __init__(self, model: type[BaseModel]) -> None:
        super().__init__()
        self.model = model

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.model_dump(mode="json", exclude_none=True) if isinstance(value, BaseModel) else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.model.model_validate(value)


def dialect_of(session: AsyncSession) -> str:
    """The session's engine: ``postgresql`` or ``sqlite``."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def table_of(model: Any) -> Table:
    """The Core table of a model (or the table itself)."""
    return model if isinstance(model, Table) else model.__table__


@cache
def _on_conflict(dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...], then: str) -> Any:
    """``INSERT … ON CONFLICT (key)`` into ``columns`` of ``table``, built once and its values bound
    as it is executed: built for every call, the statement's coercion and cache key cost more
    than SQLite spends running it — and the counters and answers written this way are on every
    public intake's path. ``then``: ``update`` (the other columns), ``lock`` (the key set to itself,
    the row returned) or ``ignore``."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if then == "ignore":
        return statement.on_conflict_do_nothing(index_elements=key)
    changed = [name for name in columns if name not in key] if then == "update" else key
    upserted = statement.on_conflict_do_update(
        index_elements=key, set_={name: statement.excluded[name] for name in changed}
    )
    return upserted.returning(*table.c) if then == "lock" else upserted


def _conflict_statement(session: AsyncSession, model: Any, values: dict[str, Any], key: list[str], then: str) -> Any:
    return _on_conflict(dialect_of(session), table_of(model), tuple(values), tuple(key), then)


async def upsert(session: AsyncSession, model: Any, values: dict[str, Any], key: list[str]) -> None:
    """Insert a row or, when one with the same ``key`` exists, update it — in one statement on
    both engines (``ON CONFLICT … DO UPDATE``), so two writers racing never raise a unique
    violation. For caches and other rows where the last writer wins."""
    await session.execute(_conflict_statement(session, model, values, key, "update"), values)


async def insert_or_lock(session: AsyncSession, model: Any, values: dict[str, Any], key: list[str]) -> Any:
    """Insert a row unless one with the same ``key`` exists, and answer the row as it stands,
    locked until the transaction ends — in one statement on both engines: ``ON CONFLICT … DO
    UPDATE`` setting the key to itself changes nothing but takes the row's lock on PostgreSQL (a
    racing writer waits for it; SQLite's one writer holds the database anyway), and ``RETURNING``
    answers the row. For counters read and then written in the same transaction."""
    return (await session.execute(_conflict_statement(session, model, values, key, "lock"), values)).one()


async def insert_or_ignore(session: AsyncSession, model: Any, values: dict[str, Any], key: list[str]) -> bool:
    """Insert a row unless one with the same ``key`` exists (``ON CONFLICT … DO NOTHING``);
    whether it was inserted. For claims where the first writer wins."""
    result = await session.execute(_conflict_statement(session, model, values, key, "ignore"), values)
    return bool(result.rowcount)
