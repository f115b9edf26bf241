"""Limits on attempts per key per window — one mechanism for every such concern: guessing a
receipt's secret or a password, anonymous intake, uploads, reward claims.

Counters live in the service's own database (``limit_counter``, declared on the service's model
base by each service that limits something), so every replica counts against the same limit.
What is counted — a client address, a receipt code, a user name — is stored only as an HMAC under
a key of the service's own: a reporter's address is never kept.

A ``Limit`` allows ``allowed`` events in a window. Past it the subject waits: until the window
ends, or — for a limit with a ``delay`` — for the delay doubled with every further event (up to
``max_delay``); such a counter forgets its events only a full window after its last wait ended,
so the waits keep growing while the guessing goes on. A caller that must wait is answered 429
with ``Retry-After`` before anything is checked, so guessing on cannot tell a hit from a miss.

``Guessing`` combines three counters so that nobody can lock an owner out of their own receipt or
account from elsewhere (see its docstring).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from qingling.db import insert_or_lock
from qingling.errors import TooManyRequests
from qingling.sealing import keyed_hash


def client_address(request: Request) -> str:
    """The address a request is counted against: its peer, or — when the peer is one of the
    configured ``trusted_proxies`` — the client that proxy names in X-Forwarded-For
    (``create_service_app`` installs uvicorn's ProxyHeadersMiddleware for exactly those, so a
    header from anyone else is ignored). IPv6 addresses count per /64, the block one subscriber
    is given, so rotating within it resets nothing."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class LimitCounterBase(SQLModel):
    """Columns of a service's ``limit_counter`` table; each service that limits declares it."""

    key: str = Field(primary_key=True, max_length=64)  # HMAC of the limit's name and the subject
    # HMAC of what is cleared together (an account's counters, when an admin lifts its locks)
    group_key: str | None = Field(default=None, max_length=64, index=True)
    count: int = 0
    window_started_at: datetime
    window_ends_at: datetime
    blocked_until: datetime | None = None


@dataclass(frozen=True)
class Limit:
    name: str  # part of every counter's key: two limits never share a counter
    allowed: int | None  # events per window before the subject waits; None: a tally that never blocks
    window: timedelta
    delay: timedelta | None = None  # first wait past ``allowed``, doubled with each further event
    max_delay: timedelta | None = None

    def wait_after(self, count: int) -> timedelta:
        exponent = min(count - (self.allowed or 0), 40)  # 2**40 seconds exceed any sensible cap
        wait = self.delay * 2**exponent
        return min(wait, self.max_delay) if self.max_delay else wait


@dataclass(frozen=True)
class Tally:
    count: int
    window_ends_at: datetime | None

    def seconds_left(self, now: datetime) -> int | None:
        return _seconds(self.window_ends_at, now) if self.window_ends_at else None


class Limiter:
    """Counts and checks limits in one service's ``limit_counter`` table. Every call runs in the
    caller's transaction; a check and the count that follows belong in one unit of work of their
    own, committed even when the request is then refused (else a refused guess would not count)."""

    def __init__(self, table: type[LimitCounterBase], key: bytes) -> None:
        self.table = table
        self._hash_key = key
        counters = table.__table__
        # Built once, the values bound as it runs: every public intake counts its address with it.
        self._recount = update(counters).where(counters.c.key == bindparam("counter_key"))

    def _key(self, limit: Limit, subject: str) -> str:
        return keyed_hash(self._hash_key, f"{limit.name}\x1f{subject}")

    def group(self, name: str) -> str:
        return keyed_hash(self._hash_key, f"group\x1f{name}")

    async def _current(self, session: AsyncSession, limit: Limit, subject: str, now: datetime) -> Any:
        return _in_window(await self._row(session, self._key(limit, subject)), now)

    async def _row(self, session: AsyncSession, key: str) -> Any:
        """The counter's columns (a plain row: counters are read and written with single statements,
        never as ORM objects, so no session ever holds a stale copy)."""
        query = select(self.table.__table__).where(self.table.__table__.c.key == key)
        return (await session.execute(query)).first()

    async def wait(self, session: AsyncSession, limit: Limit, subject: str, now: datetime) -> int | None:
        """Seconds ``subject`` must wait under ``limit``; ``None`` when it may go on now."""
        row = await self._current(session, limit, subject, now)
        if row is None or row.blocked_until is None or row.blocked_until <= now:
            return None
        return _seconds(row.blocked_until, now)

    async def tally(self, session: AsyncSession, limit: Limit, subject: str, now: datetime) -> Tally:
        """The events counted for ``subject`` in the current window."""
        row = await self._current(session, limit, subject, now)
        return Tally(0, None) if row is None else Tally(row.count, row.window_ends_at)

    async def count(
        self, session: AsyncSession, limit: Limit, subject: str, now: datetime, *, group: str | None = None
    ) -> int:
        """Counts one event (a new window when the last one is over) and answers the events in
        the window so far. Safe against replicas counting the same key at the same moment: the
        row is created if missing and locked in one statement (``insert_or_lock``), then updated."""
        key = self._key(limit, subject)
        group_key = self.group(group) if group is not None else None
        fresh = {"key": key, "group_key": group_key, "count": 0, "window_started_at": now}
        row = await insert_or_lock(session, self.table, fresh | {"window_ends_at": now + limit.window}, ["key"])
        return await self._count(session, limit, row, now)

    async def admit(self, session: AsyncSession, limit: Limit, subject: str, now: datetime) -> int | None:
        """``wait`` then ``count`` in one go (one read of the counter): seconds ``subject`` must
        wait, or ``None`` — and then this event is counted."""
        key = self._key(limit, subject)
        fresh = {"key": key, "group_key": None, "count": 0, "window_started_at": now}
        row = await insert_or_lock(session, self.table, fresh | {"window_ends_at": now + limit.window}, ["key"])
        current = _in_window(row, now)
        if current is not None and current.blocked_until is not None and current.blocked_until > now:
            return _seconds(current.blocked_until, now)
        await self._count(session, limit, row, now)
        return None

    async def _count(self, session: AsyncSession, limit: Limit, row: Any, now: datetime) -> int:
        count, started, ends, blocked = row.count, row.window_started_at, row.window_ends_at, row.blocked_until
        if not started <= now < ends:
            count, started, ends, blocked = 0, now, now + limit.window, None
        count += 1
        if limit.allowed is not None and count >= limit.allowed:
            if limit.delay is None:
                blocked = ends
            else:
                blocked = now + limit.wait_after(count)
                ends = max(ends, blocked + limit.window)
        values = {"count": count, "window_started_at": started, "window_ends_at": ends, "blocked_until": blocked}
        await session.execute(self._recount, {"counter_key": row.key, **values})
        return count

    async def clear(self, session: AsyncSession, limit: Limit, subject: str) -> None:
        await session.execute(delete(self.table).where(self.table.key == self._key(limit, subject)))

    async def clear_group(self, session: AsyncSession, group: str, now: datetime) -> datetime | None:
        """Deletes every counter of ``group``; answers the latest wait they were imposing."""
        latest = (await self.blocked_until(session, [group], now)).get(group)
        await session.execute(delete(self.table).where(self.table.group_key == self.group(group)))
        return latest

    async def blocked_until(self, session: AsyncSession, groups: Iterable[str], now: datetime) -> dict[str, datetime]:
        """The latest wait each of ``groups`` has in force (groups without one are left out)."""
        hashed = {self.group(name): name for name in groups}
        if not hashed:
            return {}
        latest = func.max(self.table.blocked_until)
        statement = (
            select(self.table.group_key, latest)
            .where(self.table.group_key.in_(hashed), self.table.blocked_until > now)
            .group_by(self.table.group_key)
        )
        return {hashed[group_key]: until for group_key, until in (await session.execute(statement)).all()}


@dataclass(frozen=True)
class Guessing:
    """Limits on guessing a target's secret (a receipt code's, a user name's password) that an
    attacker elsewhere cannot turn against the owner:

    - ``address``: failures from one address on any target — then that address waits, growing;
    - ``pair``: failures from one address on one target — then that address waits on that target;
    - ``target``: failures on the target from every address, a tally: past ``slows_at`` an address
      that has already failed on the target waits until the target's window ends, while an address
      that has not (the owner's, typing the right secret) still gets in; past ``ceiling`` — a
      distributed attack far beyond one attacker's reach — every address waits.
    """

    address: Limit
    pair: Limit
    target: Limit
    slows_at: int
    ceiling: int | None = None

    async def wait(
        self, limiter: Limiter, session: AsyncSession, target: str, address: str, now: datetime
    ) -> int | None:
        pair = f"{target}\x1f{address}"
        waits = [
            await limiter.wait(session, self.address, address, now),
            await limiter.wait(session, self.pair, pair, now),
        ]
        tally = await limiter.tally(session, self.target, target, now)
        if tally.count >= self.slows_at:
            everyone = self.ceiling is not None and tally.count >= self.ceiling
            if everyone or (await limiter.tally(session, self.pair, pair, now)).count > 0:
                waits.append(tally.seconds_left(now))
        return max((wait for wait in waits if wait), default=None)

    async def failed(
        self,
        limiter: Limiter,
        session: AsyncSession,
        target: str,
        address: str,
        now: datetime,
        *,
        group: str | None = None,
    ) -> int | None:
        """Counts a wrong secret; answers the wait it imposes on this address from now on."""
        await limiter.count(session, self.address, address, now)
        await limiter.count(session, self.pair, f"{target}\x1f{address}", now, group=group)
        await limiter.count(session, self.target, target, now, group=group)
        return await self.wait(limiter, session, target, address, now)

    async def succeeded(self, limiter: Limiter, session: AsyncSession, target: str, address: str) -> None:
        """The right secret: this address's failures on the target are forgiven (not those on
        other targets, nor the target's tally — else an attacker could reset them)."""
        await limiter.clear(session, self.pair, f"{target}\x1f{address}")


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 小时"


def too_many(problem: type[TooManyRequests], seconds: int, detail: str | None = None) -> TooManyRequests:
    """The 429 to answer a caller that must wait ``seconds``."""
    return problem(detail or f"请在 {wait_text(seconds)}后再试", headers={"Retry-After": str(seconds)})


@dataclass(frozen=True)
class PerAddress:
    """A limit on what one client address may do, counted per request; past it the request is
    refused with ``problem``. The service's adapters carry its ``limiter``."""

    limit_of: Callable[[Any], Limit]  # the limit, from the service's settings
    problem: type[TooManyRequests]

    async def admit(self, session: AsyncSession, request: Request) -> None:
        """Counts this request in ``session``'s transaction, or refuses it (nothing counted)."""
        runtime = request.app.state.runtime
        limiter, limit = runtime.adapters.limiter, self.limit_of(runtime.settings)
        wait = await limiter.admit(session, limit, client_address(request), runtime.clock.now())
        if wait is not None:
            raise too_many(self.problem, wait)

    async def count_refused(self, request: Request) -> None:
        """Counts a request whose own transaction was rolled back (a refusal), in one of its own."""
        runtime = request.app.state.runtime
        async with runtime.unit_of_work() as session:
            limit, now = self.limit_of(runtime.settings), runtime.clock.now()
            await runtime.adapters.limiter.count(session, limit, client_address(request), now)

    def dependency(self) -> Any:
        """The limit as a route dependency: each request counted in a transaction of its own
        before it is handled (so it counts even if the request then fails)."""

        async def check(request: Request) -> None:
            async with request.app.state.runtime.unit_of_work() as session:
                await self.admit(session, request)

        return Depends(check)


def per_address(limit_of: Callable[[Any], Limit], problem: type[TooManyRequests]) -> Any:
    """``PerAddress`` as a route dependency."""
    return PerAddress(limit_of, problem).dependency()


def _in_window(row: Any, now: datetime) -> Any:
    if row is None or not row.window_started_at <= now < row.window_ends_at:
        return None  # none, over, or from a future the (test) clock has been moved back from
    return row


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))
