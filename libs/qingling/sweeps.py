"""Sweeps: workers that act on what has fallen due with time — a reward nobody claimed, a tip-off
still waiting for routing, a reminder. Each pass is one transaction; a pass claims its rows with
``FOR UPDATE SKIP LOCKED``, so any number of worker replicas can sweep side by side."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.runtime import Runtime, Worker

log = structlog.get_logger(__name__)

Pass = Callable[[AsyncSession, Runtime, datetime], Awaitable[object]]


def sweep(name: str, one_pass: Pass, *, every: float | None = None) -> Worker:
    """A worker running ``one_pass`` at the runtime clock's now, every ``every`` seconds (default:
    the ``sweep_interval_seconds`` setting), until the runtime stops."""

    async def worker(runtime: Runtime) -> None:
        while not runtime.stopping.is_set():
            try:
                async with runtime.unit_of_work() as session:
                    await one_pass(session, runtime, runtime.clock.now())
            except Exception:  # a database hiccup must not end the worker
                log.exception("sweep failed", sweep=name)
            await runtime.idle(every or runtime.settings.sweep_interval_seconds)

    worker.__name__ = worker.__qualname__ = name
    return worker
