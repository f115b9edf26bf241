"""One leased delivery queue: the machine behind the outbox relay and notify's webhooks, and the
one every later channel (SMS, WeChat, e-mail) plugs into as an adapter.

A queue is a table of rows that each carry the ``LeasedRow`` columns, plus a ``Channel`` that
says how to turn claimed rows into typed jobs and how to send one. A pass of ``DeliveryQueue``:

1. **claims** a batch of rows due now (``state = 'pending' AND available_at <= now``) with
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL — any number of replicas share the work; SQLite has a
   single writer — and **leases** them (``available_at`` moved to the end of the lease), so a
   worker that dies mid-send leaves rows that come back by themselves;
2. **sends** outside the transaction, job by job or, if the channel asks, one call per destination;
3. **records** each outcome in one transaction: *delivered*; *retry* with exponential backoff and
   jitter; or **parked** — refused for good (a 4xx other than 408/409/429, an unknown event type)
   or out of attempts. A parked row is never retried by itself: a person sees it, corrects what
   was wrong and resends it (``resend``), with the same identity so the receiver drops duplicates.

A worker told to stop (``Runtime.stopping``) finishes the sends it has begun and sends no more:
the jobs of its batch still waiting for their turn are ``NOT_SENT`` and their rows are given back
at once (due again, attempts unchanged) for another worker — not at the end of the lease. A pass
cancelled at the shutdown deadline gives back its whole batch the same way (a receiver that did
take one drops the repeat). Only a worker killed outright leaves its leases to run out.

Besides polling, a queue wakes as soon as a transaction that wrote one of its rows commits
(``ring_on_commit``): in the process that wrote it at once, and on PostgreSQL in every worker
process too — the transaction sends ``pg_notify`` (delivered only if it commits) and each worker
listens (``listen_for_doorbells``); a worker that lost its listening connection still polls.
"""

from __future__ import annotations

import asyncio
import random
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import httpx
import structlog
from sqlalchemy import event, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from qingling.sweeps import keep_running

if TYPE_CHECKING:
    from qingling.runtime import Runtime

log = structlog.get_logger(__name__)

RETRY_BASE = timedelta(seconds=2)
RETRY_CAP = timedelta(minutes=15)
# 4xx answers that mean "not now" rather than "never": timeout, conflict, too many requests.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 429})


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at ``available_at`` (or leased until then)
    DELIVERED = "delivered"
    PARKED = "parked"  # refused for good or out of attempts: waits for a person to resend it
    CANCELLED = "cancelled"  # its destination is gone (e.g. a webhook switched off)


class LeasedRow(SQLModel):
    """The columns a queue's table has besides its own. ``__delivered_at__`` names the column that
    gets the time of delivery (the outbox's has always been ``sent_at``)."""

    __delivered_at__: ClassVar[str] = "delivered_at"

    state: str = Field(default=DeliveryState.PENDING, max_length=10)
    attempts: int = 0
    available_at: datetime  # not before: the next attempt, or the end of a worker's lease
    last_status: int | None = None  # the receiver's HTTP status at the last attempt
    last_error: str | None = Field(default=None, max_length=500)  # at the last failed attempt


class Job(Protocol):
    """What a channel makes of a claimed row: typed, detached from the session."""

    @property
    def id(self) -> Any: ...

    @property
    def destination(self) -> str: ...


J = TypeVar("J", bound=Job)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None
    final: bool = False  # refused for good: park it, never retry by itself

    @classmethod
    def of_status(cls, status: int, error: str) -> Outcome:
        """Delivered on a 2xx; otherwise failed with ``error``, for good on a refusal retrying
        cannot change."""
        if 200 <= status < 300:
            return cls(True, status)
        return cls(False, status, error, final=400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS)

    @classmethod
    def of_response(cls, response: httpx.Response) -> Outcome:
        status = response.status_code
        return cls.of_status(status, f"HTTP {status}: {_problem_text(response) or response.text[:300]}".strip()[:500])

    @classmethod
    def of_exception(cls, exc: Exception) -> Outcome:
        return cls(False, None, f"{type(exc).__name__}: {exc}"[:500])


# A job a stopping worker did not send: its row is given back, due at once, as if never claimed.
NOT_SENT = Outcome(False, error="not sent: the worker stopped")


def _problem_text(response: httpx.Response) -> str | None:
    """A problem+json refusal (one of our services') as a person reads it: its code, its message
    and each field's, rather than the first 300 characters of the JSON."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        problem = response.json()
    except ValueError:
        return None
    if not isinstance(problem, dict):
        return None
    said = str(problem.get("detail") or problem.get("title") or "")
    fields = [e for e in problem.get("errors") or () if isinstance(e, dict) and e.get("message") != said]
    parts = [said, *(f"{e.get('field', '')}：{e.get('message', '')}" for e in fields)]
    return f"{problem.get('code', '')} {'；'.join(p for p in parts if p)}".strip()


class Channel(ABC, Generic[J]):
    """A user of the queue: its table, its limits and how it sends."""

    name: str  # in logs, and the doorbell rung on commit
    table: type[LeasedRow]
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=60)
    interval: float = 1.0  # seconds between polls when idle
    # Seconds a pass woken by a commit waits before it claims, so that what commits meanwhile goes
    # with it: behind a busy intake one call carries many requests' events, not one each.
    linger: float = 0.0
    max_attempts: int = 8
    per_destination: bool = False  # send a batch's jobs for one destination in one call (``send_batch``)
    # Claim rows due at the same moment in the order of their key (a serial id: the order they
    # were written). A channel whose keys are random (uuid4) gains nothing from it, and would pay a
    # sort of every row written at that moment on each claim (a bulk report's thousand events).
    ties_by_key: bool = True
    counts_delivery_as_attempt: bool = True  # ``attempts`` counts every try, or only the failed ones

    @abstractmethod
    async def prepare(self, session: AsyncSession, rows: Sequence[Any], now: datetime) -> list[J | None]:
        """One typed job per claimed row, in the claim transaction; ``None`` cancels the row."""

    async def send(self, job: J) -> Outcome:
        raise NotImplementedError

    async def send_batch(self, destination: str, jobs: list[J]) -> list[Outcome]:
        """All due jobs for one destination; by default one ``send`` each, concurrently."""
        return list(await asyncio.gather(*(self.send(job) for job in jobs)))

    async def recorded(self, session: AsyncSession, row: Any, job: J, outcome: Outcome, now: datetime) -> None:
        """Called in the recording transaction after the row is updated (e.g. a delivery log)."""


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter in its upper half, capped."""
    delay = min(RETRY_CAP, RETRY_BASE * 2 ** min(max(attempts, 1) - 1, 20))
    return delay * random.uniform(0.5, 1.0)


class DeliveryQueue(Generic[J]):
    def __init__(self, runtime: Runtime, channel: Channel[J]) -> None:
        self.runtime = runtime
        self.channel = channel
        self.table = channel.table
        self.doorbell = runtime.doorbell(channel.table.__tablename__)
        # A channel with nothing to do per row once a job is delivered: those rows are recorded
        # with one statement, never loaded.
        self._records_each = type(channel).recorded is not Channel.recorded

    async def run_forever(self) -> None:
        async def a_batch() -> bool:
            if self.channel.linger and self.doorbell.is_set():
                await asyncio.sleep(self.channel.linger)
            self.doorbell.clear()  # a commit from here on rings again
            return await self.run_once() >= self.channel.batch_size  # a full batch: more may be waiting

        await keep_running(self.runtime, self.channel.name, a_batch, self.channel.interval, wake=self.doorbell)

    async def run_once(self) -> int:
        """Claim one batch of due rows and try each once. Returns how many rows were claimed."""
        claimed, jobs = await self._claim()
        if not jobs:
            return claimed
        try:
            outcomes = await self._send(jobs)
            await self._record(list(zip(jobs, outcomes, strict=True)))
        except asyncio.CancelledError:  # the shutdown's deadline: the batch goes back, not at lease end
            await self._give_back(jobs)
            raise
        delivered = sum(o.delivered for o in outcomes)
        log.info(f"{self.channel.name} batch sent", messages=len(jobs), accepted=delivered)
        return claimed

    async def _claim(self) -> tuple[int, list[J]]:
        table = self.table
        [key] = table.__table__.primary_key.columns
        order = (table.available_at, key) if self.channel.ties_by_key else (table.available_at,)
        async with self.runtime.unit_of_work() as session:
            now = self.runtime.clock.now()
            query = (
                select(table)
                .where(table.state == DeliveryState.PENDING, table.available_at <= now)
                .order_by(*order)
                .limit(self.channel.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(query)).scalars().all()
            jobs = await self.channel.prepare(session, rows, now)
            ready, leased = [], []
            for row, job in zip(rows, jobs, strict=True):
                if job is None:
                    row.state = DeliveryState.CANCELLED
                    continue
                leased.append(getattr(row, key.name))
                ready.append(job)
            if leased:  # the lease, in one statement (the rows are not used again in this session)
                lease = update(table.__table__).where(key.in_(leased)).values(available_at=now + self.channel.lease)
                await session.execute(lease)
            return len(rows), ready

    async def _send(self, jobs: list[J]) -> list[Outcome]:
        async def guarded(sending: Any, count: int) -> list[Outcome]:
            try:
                return list(await sending)
            except (httpx.HTTPError, OSError) as exc:
                return [Outcome.of_exception(exc)] * count

        if not self.channel.per_destination:
            return await asyncio.gather(*(self._one(job) for job in jobs))
        groups: dict[str, list[int]] = defaultdict(list)
        for index, job in enumerate(jobs):
            groups[job.destination].append(index)
        answers = await asyncio.gather(
            *(guarded(self.channel.send_batch(d, [jobs[i] for i in idx]), len(idx)) for d, idx in groups.items())
        )
        outcomes: list[Outcome] = [Outcome(False)] * len(jobs)
        for idx, answer in zip(groups.values(), answers, strict=True):
            for i, outcome in zip(idx, answer, strict=True):
                outcomes[i] = outcome
        return outcomes

    async def _one(self, job: J) -> Outcome:
        if self.runtime.stopping.is_set():
            return NOT_SENT
        try:
            return await self.channel.send(job)
        except (httpx.HTTPError, OSError) as exc:
            return Outcome.of_exception(exc)

    async def _record(self, outcomes: list[tuple[J, Outcome]]) -> None:
        channel = self.channel
        async with self.runtime.unit_of_work() as session:
            now = self.runtime.clock.now()
            [key] = self.table.__table__.primary_key.columns  # a job's id is its row's key
            if unsent := [job.id for job, outcome in outcomes if outcome is NOT_SENT]:
                await self._release(session, key, unsent, now)
                outcomes = [(job, outcome) for job, outcome in outcomes if outcome is not NOT_SENT]
                log.info(f"{channel.name} leases given back", messages=len(unsent))
            if not self._records_each:
                outcomes = await self._record_delivered(session, key, outcomes, now)
                if not outcomes:
                    return
            query = select(self.table).where(key.in_([job.id for job, _ in outcomes])).with_for_update()
            rows = {getattr(row, key.name): row for row in (await session.execute(query)).scalars()}  # one read
            for job, outcome in outcomes:
                row = rows.get(job.id)
                if row is None or row.state != DeliveryState.PENDING:
                    continue  # cancelled or resent meanwhile
                if not outcome.delivered or channel.counts_delivery_as_attempt:
                    row.attempts += 1
                row.last_status = outcome.status
                row.last_error = outcome.error or row.last_error  # the last failure's, kept after a success
                if outcome.delivered:
                    row.state = DeliveryState.DELIVERED
                    setattr(row, self.table.__delivered_at__, now)
                elif outcome.final or row.attempts >= channel.max_attempts:
                    row.state = DeliveryState.PARKED
                    log.warning(f"{channel.name} parked", id=str(job.id), attempts=row.attempts, error=outcome.error)
                else:
                    row.available_at = now + retry_delay(row.attempts)
                    log.warning(f"{channel.name} failed", id=str(job.id), attempts=row.attempts, error=outcome.error)
                await channel.recorded(session, row, job, outcome, now)

    async def _release(self, session: AsyncSession, key: Any, ids: list[Any], now: datetime) -> None:
        """The rows of jobs never sent, due again at once with their attempts unchanged (still
        pending: not cancelled or resent meanwhile)."""
        pending = self.table.__table__.c.state == DeliveryState.PENDING
        await session.execute(update(self.table.__table__).where(key.in_(ids), pending).values(available_at=now))

    async def _give_back(self, jobs: list[J]) -> None:
        """A cancelled pass's whole batch, given back in a transaction of its own. Should that fail
        too (the database gone), the leases run out as after a crash."""
        try:
            async with self.runtime.unit_of_work() as session:
                [key] = self.table.__table__.primary_key.columns
                await self._release(session, key, [job.id for job in jobs], self.runtime.clock.now())
        except Exception:
            log.exception(f"{self.channel.name} leases not given back", messages=len(jobs))
        else:
            log.info(f"{self.channel.name} leases given back", messages=len(jobs))

    async def _record_delivered(
        self, session: AsyncSession, key: Any, outcomes: list[tuple[J, Outcome]], now: datetime
    ) -> list[tuple[J, Outcome]]:
        """The delivered ones with one UPDATE per answer status (still pending: not cancelled or
        resent meanwhile), as ``_record`` would one by one; returns the others."""
        by_status: dict[int | None, list[Any]] = defaultdict(list)
        for job, outcome in outcomes:
            if outcome.delivered:
                by_status[outcome.status].append(job.id)
        table = self.table.__table__
        values: dict[str, Any] = {"state": DeliveryState.DELIVERED, self.table.__delivered_at__: now}
        if self.channel.counts_delivery_as_attempt:
            values["attempts"] = table.c.attempts + 1
        for status, ids in by_status.items():
            pending = table.c.state == DeliveryState.PENDING
            await session.execute(update(table).where(key.in_(ids), pending).values(**values, last_status=status))
        return [(job, outcome) for job, outcome in outcomes if not outcome.delivered]


def resend(row: LeasedRow, now: datetime) -> None:
    """Put a row back in the queue — after a person corrected what made it be refused. It keeps its
    identity (event id, ``webhook-id``), so a receiver that did take it once drops it."""
    row.state, row.available_at, row.attempts = DeliveryState.PENDING, now, 0
    if (session := Session.object_session(row)) is not None:
        ring_on_commit(session, type(row))


async def parked_count(session: AsyncSession, table: type[LeasedRow]) -> int:
    query = select(func.count()).select_from(table).where(table.state == DeliveryState.PARKED)
    return (await session.execute(query)).scalar_one()


# ------------------------------------------------------------------------ wake-up on commit

_RING = "qingling.delivery.ring"


def ring_on_commit(session: AsyncSession | Session, table: type[SQLModel]) -> None:
    """Wake this process's queue over ``table`` once the session's transaction commits."""
    session.info.setdefault(_RING, set()).add(table.__tablename__)


@event.listens_for(Session, "after_commit")
def _ring(session: Session) -> None:
    names = session.info.pop(_RING, None)
    runtime = session.info.get("runtime")
    if names and runtime is not None:
        for name in names:
            runtime.doorbell(name).set()


DOORBELL_CHANNEL = "qingling_doorbell"  # PostgreSQL's notification channel; the payload is the table
_NOTIFY = text("SELECT pg_notify(:channel, :name)")


@event.listens_for(Session, "before_commit")
def _ring_elsewhere(session: Session) -> None:
    """On PostgreSQL the workers of other processes are rung too, by a notification sent in the
    transaction: PostgreSQL delivers it when the transaction commits, and never if it rolls back."""
    names = session.info.get(_RING)
    if names and session.get_bind().dialect.name == "postgresql":
        for name in sorted(names):
            session.execute(_NOTIFY, {"channel": DOORBELL_CHANNEL, "name": name})


async def listen_for_doorbells(runtime: Runtime) -> None:
    """A worker process's ear on PostgreSQL: rings this process's doorbells when a transaction in
    any process commits rows for a queue (``_ring_elsewhere``), so a worker sends an event or a
    webhook the moment the request that wrote it commits, not at its next poll. One connection of
    its own; when it is lost the queues still poll, and it is opened again."""
    if runtime.engine.dialect.name != "postgresql":
        return  # SQLite: one process, its doorbells rung at commit
    import asyncpg

    url = runtime.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not runtime.stopping.is_set():
        lost = asyncio.Event()
        try:
            connection = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("doorbell listener cannot connect", error=f"{type(exc).__name__}: {exc}")
            await runtime.idle(5)
            continue
        try:
            connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
            await connection.add_listener(DOORBELL_CHANNEL, lambda *heard: runtime.doorbell(heard[-1]).set())
            for queue in runtime.doorbells.values():  # rows written while nobody listened
                queue.set()
            await runtime.idle(24 * 3600, lost)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("doorbell listener lost", error=f"{type(exc).__name__}: {exc}")
        finally:
            if not connection.is_closed():
                await connection.close(timeout=5)
