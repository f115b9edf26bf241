"""What a running service is made of, built at start-up and never at import time.

``Service`` is the static declaration of one service (name, tables, routers, consumed
events); ``Runtime`` holds the live parts built from it and its settings (engine, HTTP client,
clock). Four services with four databases can therefore live side by side in one process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from qingling.auth.access import REVOCATIONS_PATH, TOKEN_PATH
from qingling.auth.service_auth import ServiceAuth
from qingling.auth.verifier import TokenVerifier, json_fetcher
from qingling.clock import Clock, FileClock, SystemClock
from qingling.db import checkpoints_aside, create_engine, create_sessionmaker
from qingling.events import EventData
from qingling.heartbeat import Heartbeat
from qingling.inbox import BatchEventHandler, BatchLocks, EventHandler
from qingling.settings import Environment, ServiceSettings
from qingling.tables import PlatformTables

DemoLoader = Callable[[AsyncSession, "Runtime"], Awaitable[list[str]]]
Worker = Callable[["Runtime"], Awaitable[None]]  # runs until ``runtime.stopping`` is set
# Builds a service's adapters to the outside world (WeChat, SMS, storage …) for the runtime's life.
Adapters = Callable[["Runtime"], AbstractAsyncContextManager[Any]]
# Seeds what a service needs to work at all (keys, built-in clients); runs after migrations.
Bootstrap = Callable[[AsyncSession, "Runtime"], Awaitable[None]]
# The service's own readings for /metrics: name → (description, value), e.g. overdue hazards.
# A service's own gauges: name → (description, value), or (description, [(labels, value), …]) for
# one gauge per label set (e.g. deliveries by channel and result).
Gauges = Callable[
    [AsyncSession, "Runtime"], Awaitable[dict[str, tuple[str, float | list[tuple[dict[str, str], float]]]]]
]


@dataclass(frozen=True)
class Service:
    name: str  # also the URL segment: /api/v1/<name>
    title: str
    description: str
    package: str
    migrations: Path  # this service's Alembic directory
    settings_class: type[ServiceSettings]
    tables: PlatformTables  # declared on the service's model base: its metadata is the service's
    routers: Sequence[APIRouter] = ()
    event_handlers: Mapping[type[EventData], EventHandler] = field(default_factory=dict)
    # Of those, types also handled many at once when they come in a batch (``inbox.receive_many``).
    batch_event_handlers: Mapping[type[EventData], BatchEventHandler] = field(default_factory=dict)
    # Locks up front, in the service's one order, the rows a batch of events will change (``inbox.receive_many``).
    batch_event_locks: BatchLocks | None = None
    workers: Sequence[Worker] = ()  # background loops besides the outbox relay
    adapters: Adapters | None = None
    bootstrap: Bootstrap | None = None
    gauges: Gauges | None = None
    demo: DemoLoader | None = None  # fills an empty database; returns lines to print (credentials)
    version: str = "1.0.0"

    @property
    def metadata(self) -> MetaData:
        return self.tables.metadata

    @property
    def prefix(self) -> str:
        return f"/api/v1/{self.name}"


@dataclass
class Runtime:
    service: Service
    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient  # every call to another service goes through this client
    clock: Clock
    verifier: TokenVerifier  # checks the bearer tokens of incoming requests
    service_auth: ServiceAuth  # authenticates this service's own calls: ``http.post(…, auth=…)``
    adapters: Any = None  # what ``Service.adapters`` built
    # Set at shutdown (``stop``): workers finish the pass they are in (its transaction commits or
    # rolls back) and stop, instead of being cancelled halfway through a database call.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    stop_deadline: float | None = None  # the event loop's time by which what still runs is cancelled
    # Rung when a transaction that wrote to a delivery queue's table commits (``qingling.delivery``).
    doorbells: dict[str, asyncio.Event] = field(default_factory=dict)
    heartbeat: Heartbeat | None = None  # kept by a worker process (``qingling worker``) for its health check

    def stop(self) -> None:
        """Begins the shutdown: the deadline (``shutdown_grace_seconds``) counts from the first call
        — in an API process, the moment it stops accepting connections (``qlstack.cli``)."""
        if self.stop_deadline is None:
            self.stop_deadline = asyncio.get_running_loop().time() + self.settings.shutdown_grace_seconds
        self.stopping.set()

    def doorbell(self, name: str) -> asyncio.Event:
        return self.doorbells.setdefault(name, asyncio.Event())

    async def idle(self, seconds: float, wake: asyncio.Event | None = None) -> bool:
        """Waits ``seconds``, or less if the runtime is stopping or ``wake`` is set; answers
        whether the runtime is stopping."""
        waits = [asyncio.ensure_future(self.stopping.wait())]
        if wake is not None:
            waits.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self.stopping.is_set()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block succeeds, rolled back when it raises."""
        async with self.sessionmaker() as session:
            session.info["runtime"] = self
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise


def make_clock(settings: ServiceSettings) -> Clock:
    if settings.clock_file is not None and settings.environment is not Environment.PRODUCTION:
        return FileClock(settings.clock_file)
    return SystemClock()


async def _forward_request_id(request: httpx.Request) -> None:
    if (request_id := correlation_id.get()) and "X-Request-ID" not in request.headers:
        request.headers["X-Request-ID"] = request_id


@asynccontextmanager
async def open_runtime(
    service: Service, settings: ServiceSettings, peer_transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Runtime]:
    engine = create_engine(settings)
    http = httpx.AsyncClient(
        transport=peer_transport,
        timeout=httpx.Timeout(10.0),
        event_hooks={"request": [_forward_request_id]},
    )
    # An external OIDC provider (its keys, its token endpoint) is reached over the real network,
    # never the peer transport.
    outside = settings.jwks_url or settings.service_token_url
    external = httpx.AsyncClient(timeout=httpx.Timeout(10.0)) if outside else None
    clock = make_clock(settings)
    service_auth = ServiceAuth(
        external if settings.service_token_url else http,
        settings.service_token_url or f"{settings.peer_url}{TOKEN_PATH}",
        client_id=f"service:{service.name}",
        client_secret=settings.service_client_secret.get_secret_value(),
        clock=clock,
    )
    jwks_url = settings.jwks_url or f"{settings.peer_url}/api/v1/identity/jwks.json"
    verifier = TokenVerifier(
        json_fetcher(external or http, jwks_url),
        issuer=settings.token_issuer,
        audience=settings.audience,
        clock=clock,
        # Our identity service lists revoked sign-ins; an external provider is trusted on its own.
        fetch_revocations=None
        if external
        else json_fetcher(http, f"{settings.peer_url}{REVOCATIONS_PATH}", auth=service_auth),
    )
    runtime = Runtime(service, settings, engine, create_sessionmaker(engine), http, clock, verifier, service_auth)
    try:
        with checkpoints_aside(settings):
            if service.adapters is None:
                yield runtime
            else:
                async with service.adapters(runtime) as runtime.adapters:
                    yield runtime
    finally:
        await http.aclose()
        if external is not None:
            await external.aclose()
        await engine.dispose()


async def _current_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


CurrentRuntime = Annotated[Runtime, Depends(_current_runtime)]
