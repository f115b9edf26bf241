"""Two sample services (``sample_apps``) wired together in-process, on SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import func, select
from starlette.responses import JSONResponse

import sample_apps
from identity import main as identity_main
from qingling.app import create_service_app
from qingling.clock import FileClock
from qingling.outbox import OutboxRelay
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher


@dataclass
class Pair:
    client: httpx.AsyncClient
    alpha: FastAPI
    beta: FastAPI
    clock: FileClock

    @property
    def scraper(self) -> dict[str, str]:
        """The monitoring system, scraping /metrics."""
        return {"Authorization": f"Bearer {SCRAPE_TOKEN}"}

    @property
    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.alpha.state.runtime)

    async def outbox_rows(self):
        runtime = self.alpha.state.runtime
        async with runtime.unit_of_work() as session:
            return (await session.execute(select(runtime.service.tables.outbox))).scalars().all()

    async def inbox_count(self) -> int:
        runtime = self.beta.state.runtime
        async with runtime.unit_of_work() as session:
            return await session.scalar(select(func.count()).select_from(runtime.service.tables.inbox))

    async def received(self) -> list[dict]:
        return (await self.client.get("/api/v1/beta/notes")).json()

    async def service_headers(self, name: str, to: str) -> dict[str, str]:
        """Authorization for calls made as service ``name`` to service ``to`` (client credentials)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": f"service:{name}",
            "client_secret": SECRETS[name],
            "audience": f"urn:qingling:{to}",
        }
        token = (await self.client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}


def _with_fault_injection(app: FastAPI) -> FastAPI:
    """Lets a test make the receiver answer 503 (or refuse with 422), or hold its answer after it has committed."""
    app.state.outage = 0
    app.state.refusals = 0
    app.state.hold = None
    app.state.event_request_ids = []
    app.state.event_calls = []  # "events" or "batch", one per call
    app.state.without_batches = False

    @app.middleware("http")
    async def faults(request: Request, call_next):
        events = request.url.path.endswith(("/events", "/events/batch"))
        if events:
            app.state.event_request_ids.append(request.headers.get("x-request-id"))
            app.state.event_calls.append(request.url.path.rsplit("/", 1)[1])
        if request.url.path.endswith("/events/batch") and app.state.without_batches:
            return JSONResponse({"code": "route-not-found"}, status_code=404)  # a receiver from before batches
        if events and app.state.refusals > 0:
            app.state.refusals -= 1
            return JSONResponse({"code": "validation-failed"}, status_code=422)
        if events and app.state.outage > 0:
            app.state.outage -= 1
            return JSONResponse({"code": "service-unavailable"}, status_code=503)
        response = await call_next(request)  # the handler's transaction is committed here
        if events and app.state.hold is not None:
            app.state.hold.committed.set()
            await asyncio.Event().wait()  # never answers: the relay is killed meanwhile
        return response

    return app


SECRETS = {"alpha": "alpha-test-secret", "beta": "beta-test-secret"}
SCRAPE_TOKEN = "alpha-beta-scrape-token"


@pytest.fixture(params=["sqlite", "postgresql"])
async def pair(request, tmp_path) -> AsyncIterator[Pair]:
    """alpha and beta — plus the real identity service, which issues the tokens their calls carry."""
    clock = FileClock(tmp_path / "clock.json")
    clock.freeze(datetime(2024, 9, 30, 9, 0, tzinfo=UTC))
    urls = {}
    if request.param == "postgresql":
        new_database = request.getfixturevalue("new_postgres_database")
        urls = {"alpha": new_database(), "beta": new_database()}
    dispatcher = EmbeddedDispatcher()
    transport = httpx.ASGITransport(app=dispatcher)
    common = {
        "environment": Environment.TEST,
        "data_dir": tmp_path,
        "clock_file": clock.path,
        "run_workers": False,
        "metrics_token": SCRAPE_TOKEN,
    }
    identity = identity_main.service.settings_class(**common, service_client_secrets=SECRETS)
    dispatcher.add(identity_main.create_app(identity, peer_transport=transport))
    apps = {}
    for service in (sample_apps.alpha, sample_apps.beta):
        settings = service.settings_class(
            **common, database_url=urls.get(service.name, ""), service_client_secret=SECRETS[service.name]
        )
        apps[service.name] = create_service_app(service, settings, peer_transport=transport)
        dispatcher.add(apps[service.name])
    _with_fault_injection(apps["beta"])
    async with dispatcher.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Pair(client, apps["alpha"], apps["beta"], clock)
