"""What a running service is made of, built at start-up and never at import time.

``Service`` is the static declaration of one service (name, tables, routers, consumed
events); ``Runtime`` holds the live parts built from it and its settings (engine, HTTP client,
clock). Four services with four databases can therefore live side by side in one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from qingling.clock import Clock, FileClock, SystemClock
from qingling.db import create_engine, create_sessionmaker
from qingling.events import EventData
from qingling.inbox import EventHandler
from qingling.settings import Environment, ServiceSettings
from qingling.tables import PlatformTables

DemoLoader = Callable[[AsyncSession], Awaitable[list[str]]]
Worker = Callable[["Runtime"], Awaitable[None]]  # runs until cancelled


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
    workers: Sequence[Worker] = ()  # background loops besides the outbox relay
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
    try:
        yield Runtime(service, settings, engine, create_sessionmaker(engine), http, make_clock(settings))
    finally:
        await http.aclose()
        await engine.dispose()


def _current_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


CurrentRuntime = Annotated[Runtime, Depends(_current_runtime)]
