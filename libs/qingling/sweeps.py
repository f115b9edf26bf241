"""The loop every background worker runs (``keep_running``: pass after pass until the runtime
stops, a failed pass logged), and sweeps built on it: workers that act on what has fallen due
with time — a reward nobody claimed, a tip-off still waiting for routing, a reminder. Each sweep
pass is one transaction that claims its rows with ``FOR UPDATE SKIP LOCKED``, so any number of
worker replicas can sweep side by side. What must wait until the pass has committed — removing
the files of rows it deleted — the pass hands back as ``AfterCommit``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:  # the outbox, which runtime's tables import, runs its relay with keep_running
    from qingling.runtime import Runtime, Worker

log = structlog.get_logger(__name__)

Pass = Callable[[AsyncSession, "Runtime", datetime], Awaitable[object]]


@dataclass(frozen=True)
class Batch:
    """Returned by a pass that claims at most ``limit`` rows: when it took a full batch more are
    likely waiting, so the next pass runs at once instead of after the interval (a wave of ten
    thousand reminders due at the same minute is not sent 200 a second)."""

    done: int
    limit: int

    @property
    def full(self) -> bool:
        return self.done >= self.limit


@dataclass(frozen=True)
class AfterCommit:
    """Returned by a pass: work done once the pass's transaction has committed, never when it
    rolled back (a file is removed only when no committed row can still name it)."""

    run: Callable[[], Awaitable[object]]


async def keep_running(
    runtime: Runtime,
    name: str,
    one_pass: Callable[[], Awaitable[bool]],
    every: float,
    wake: asyncio.Event | None = None,
) -> None:
    """Runs ``one_pass`` until the runtime stops: at once again while it answers that more work is
    waiting, else after ``every`` seconds or as soon as ``wake`` is set. A failed pass is logged,
    never the end of the worker; a completed one beats the process's heartbeat, if it keeps one."""
    while not runtime.stopping.is_set():
        try:
            more = await one_pass()
        except Exception:  # a database hiccup must not end the worker
            log.exception("worker pass failed", worker=name)
            more = False
        else:
            if runtime.heartbeat is not None:
                runtime.heartbeat.beat()
        if not more:
            await runtime.idle(every, wake)


def sweep(name: str, one_pass: Pass, *, every: float | None = None) -> Worker:
    """A worker running ``one_pass`` in one transaction at the runtime clock's now, every ``every``
    seconds (default: the ``sweep_interval_seconds`` setting), until the runtime stops."""

    async def worker(runtime: Runtime) -> None:
        async def in_a_transaction() -> bool:
            async with runtime.unit_of_work() as session:
                outcome = await one_pass(session, runtime, runtime.clock.now())
            if isinstance(outcome, AfterCommit):
                await outcome.run()
            return isinstance(outcome, Batch) and outcome.full

        await keep_running(runtime, name, in_a_transaction, every or runtime.settings.sweep_interval_seconds)

    worker.__name__ = worker.__qualname__ = name
    return worker
