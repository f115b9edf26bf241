"""The outbox between two small services, on SQLite and on PostgreSQL: an effect written with
its cause is delivered once the receiver recovers, and a redelivery after a relay dies is a
no-op. The relay is driven pass by pass, with the clock advanced past backoffs and leases."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import func, select
from starlette.responses import JSONResponse

import relay_apps
from qingling.app import create_service_app
from qingling.clock import FileClock
from qingling.outbox import OutboxRelay
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher

pytestmark = pytest.mark.asyncio


@dataclass
class Pair:
    client: httpx.AsyncClient
    alpha: FastAPI
    beta: FastAPI
    clock: FileClock

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


def _with_fault_injection(app: FastAPI) -> FastAPI:
    """Lets a test make the receiver answer 503, or hold its answer after it has committed."""
    app.state.outage = 0
    app.state.hold = None

    @app.middleware("http")
    async def faults(request: Request, call_next):
        if request.url.path.endswith("/events") and app.state.outage > 0:
            app.state.outage -= 1
            return JSONResponse({"code": "service-unavailable"}, status_code=503)
        response = await call_next(request)  # the handler's transaction is committed here
        if request.url.path.endswith("/events") and app.state.hold is not None:
            app.state.hold.committed.set()
            await asyncio.Event().wait()  # never answers: the relay is killed meanwhile
        return response

    return app


@pytest.fixture(params=["sqlite", "postgresql"])
async def pair(request, tmp_path) -> AsyncIterator[Pair]:
    clock = FileClock(tmp_path / "clock.json")
    clock.freeze(datetime(2024, 9, 30, 9, 0, tzinfo=UTC))
    urls = {}
    if request.param == "postgresql":
        new_database = request.getfixturevalue("new_postgres_database")
        urls = {"alpha": new_database(), "beta": new_database()}
    dispatcher = EmbeddedDispatcher()
    transport = httpx.ASGITransport(app=dispatcher)
    apps = {}
    for service in (relay_apps.alpha, relay_apps.beta):
        settings = service.settings_class(
            environment=Environment.TEST, data_dir=tmp_path, database_url=urls.get(service.name, ""),
            clock_file=clock.path, run_workers=False,
        )
        apps[service.name] = create_service_app(service, settings, peer_transport=transport)
        dispatcher.add(apps[service.name])
    _with_fault_injection(apps["beta"])
    async with dispatcher.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Pair(client, apps["alpha"], apps["beta"], clock)


async def test_event_arrives_once_the_receiver_recovers(pair):
    pair.beta.state.outage = 3
    created = await pair.client.post("/api/v1/alpha/notes", json={"text": "有限空间作业未审批"})
    assert created.status_code == 201

    assert await pair.relay.run_once() == 1  # 503
    assert await pair.relay.run_once() == 0  # backing off: not due yet
    for _ in range(2):  # two more 503s, each after its backoff
        pair.clock.advance(timedelta(hours=1))
        assert await pair.relay.run_once() == 1
    assert await pair.received() == []

    pair.clock.advance(timedelta(hours=1))
    assert await pair.relay.run_once() == 1

    assert await pair.received() == [{"id": created.json()["id"], "text": "有限空间作业未审批"}]
    [row] = await pair.outbox_rows()
    assert row.sent_at is not None and row.attempts == 3 and "503" in row.last_error
    pair.clock.advance(timedelta(hours=1))
    assert await pair.relay.run_once() == 0  # sent rows are never sent again


async def test_redelivery_after_the_relay_died_is_a_no_op(pair):
    pair.beta.state.hold = hold = type("Hold", (), {"committed": asyncio.Event()})()
    created = await pair.client.post("/api/v1/alpha/notes", json={"text": "违规电气焊"})

    relay = asyncio.create_task(pair.relay.run_once())
    await asyncio.wait_for(hold.committed.wait(), timeout=10)  # the receiver has committed …
    relay.cancel()  # … and the relay dies before it can mark the row sent
    with pytest.raises(asyncio.CancelledError):
        await relay
    [row] = await pair.outbox_rows()
    assert row.sent_at is None

    pair.beta.state.hold = None
    assert await pair.relay.run_once() == 0  # still leased to the dead relay
    pair.clock.advance(timedelta(minutes=5))  # the lease ends
    assert await pair.relay.run_once() == 1

    [row] = await pair.outbox_rows()
    assert row.sent_at is not None and row.attempts == 0
    assert await pair.received() == [{"id": created.json()["id"], "text": "违规电气焊"}]
    assert await pair.inbox_count() == 1


async def test_rolled_back_work_emits_nothing(pair):
    rejected = await pair.client.post("/api/v1/alpha/notes", json={"text": "x", "reject_after_emit": True})

    assert rejected.status_code == 422
    assert await pair.outbox_rows() == []
    assert await pair.relay.run_once() == 0


async def test_the_relay_answers_duplicates_by_event_id(pair):
    await pair.client.post("/api/v1/alpha/notes", json={"text": "粉尘涉爆"})
    [row] = await pair.outbox_rows()

    first = await pair.client.post("/api/v1/beta/events", json=row.payload)
    second = await pair.client.post("/api/v1/beta/events", json=row.payload)

    assert first.json()["status"] == "processed"
    assert second.json()["status"] == "duplicate"
    assert len(await pair.received()) == 1
