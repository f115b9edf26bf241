"""Stopping a process of the stack with SIGTERM, as a container runtime or a rolling upgrade does
(issue 24): an API replica stops accepting connections, lets the request in flight finish and
exits within its deadline (``shutdown_grace_seconds``, 20 s by default); a worker finishes the
deliveries it has begun and gives the rest of its batch back at once — no row is left leased
when it has exited, where a killed one leaves its leases to run out (tests/test_webhook_workers.py)."""

import asyncio
import inspect
import signal
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from due_webhooks import insert_due_messages
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from starlette.types import ASGIApp, Receive, Scope, Send

from notify.webhooks.delivery import PER_RECEIVER  # the requests a worker has open to one receiver at a time
from qingling.settings import ServiceSettings
from standins import serving
from standins.webhooks import Receiver

pytestmark = [pytest.mark.stack, pytest.mark.asyncio]

GRACE = ServiceSettings.model_fields["shutdown_grace_seconds"].default
HAZARDS = "/api/v1/hazards/hazards"
LOCK = text("SELECT id FROM hazard WHERE id = :id FOR UPDATE")
WAITING = text(
    "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE NOT granted AND datname = current_database()"
)


@asynccontextmanager
async def _database(url: str) -> AsyncIterator[tuple[AsyncConnection, AsyncConnection]]:
    """A transaction of the test's own in a service's database, and a connection that watches."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as other, engine.connect() as watcher:
            await watcher.execution_options(isolation_level="AUTOCOMMIT")
            yield other, watcher
    finally:
        await engine.dispose()


async def _until(check) -> None:
    """Until ``check()`` — or what it answers, awaited — is true: done by another process."""
    async with asyncio.timeout(20):
        while not ((await answer) if inspect.isawaitable(answer := check()) else answer):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _refuses(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


async def test_an_api_replica_stopped_mid_request_finishes_it_and_exits_within_its_deadline(stack):
    processes = stack.processes
    body = {"title": "配电室门口堆放杂物", "description": "配电室门口堆放纸箱，影响应急通行", "grade": "general",
            "found_at": "2025-11-03T08:30:00+08:00"}  # fmt: skip
    reported = await stack.client.post(HAZARDS, json=body, headers=await stack.login("demo-enterprise"))
    assert reported.status_code == 201, reported.text
    hazard, county = reported.json()["id"], await stack.login("deqing-yjj")
    order = {"measures": "限期清理", "responsible_person": "王强", "funds": "无需资金", "acceptor": "李安"}
    replica, address = processes.replica("hazards"), processes.upstreams["hazards"][0]
    log = processes.root / "logs" / "hazards-api-0.log"
    shutdowns = log.read_text().count("Application shutdown complete")

    try:
        async with _database(processes.env["hazards"]["QL_HAZARDS_DATABASE_URL"]) as (other, watcher):
            # The request takes two seconds: another transaction holds its hazard that long.
            await other.execute(LOCK, {"id": hazard})
            started = asyncio.get_running_loop().time()
            accepting = asyncio.create_task(
                stack.client.post(f"{HAZARDS}/{hazard}/accept_general", json=order, headers=county)
            )
            await _until(lambda: _waiting(watcher))
            stopped = asyncio.create_task(asyncio.to_thread(processes.terminate, replica, GRACE))
            await _until(lambda: asyncio.to_thread(_refuses, address))  # no longer accepting …
            assert not accepting.done()  # … with the request still in flight
            await asyncio.sleep(max(0.0, 2 - (asyncio.get_running_loop().time() - started)))
            await other.commit()
            accepted = await accepting
            status = await stopped  # within the deadline, or TimeoutExpired
        finished = log.read_text().count("Application shutdown complete") - shutdowns
    finally:
        processes.restart_replica("hazards")

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "rectifying"
    assert finished == 1  # its lifespan ended (workers, connections) after the request …
    assert status == -signal.SIGTERM  # … then uvicorn ends by the signal it stopped for, as it does


async def _waiting(watcher: AsyncConnection) -> bool:
    return (await watcher.execute(WAITING)).scalar_one() >= 1


class Holding:
    """A receiver that holds every request until told to answer: the worker's sends in hand."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.held, self.answer = app, 0, threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.held += 1
            await asyncio.to_thread(self.answer.wait)
        await self.app(scope, receive, send)


async def test_a_worker_stopped_mid_batch_leaves_no_row_leased(stack):
    processes = stack.processes
    receiver = Receiver()
    holding = Holding(receiver.app())
    with serving(holding) as url:
        enterprise = await stack.login("demo-enterprise")
        created = await stack.client.post(
            "/api/v1/notify/webhooks",
            json={"url": f"{url}/hooks", "event_types": ["hazard.changed"]},
            headers=enterprise,
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        receiver.secrets = [endpoint["secret"]]
        database_url = processes.env["notify"]["QL_NOTIFY_DATABASE_URL"]
        label, worker = next((label, p) for label, p in processes.processes if label.startswith("notify-worker"))
        log = processes.root / "logs" / f"{label}.log"
        try:
            ours = await insert_due_messages(database_url, endpoint["id"], 200)
            await _until(lambda: holding.held >= PER_RECEIVER)  # a batch in hand, the rest waiting
            stopped = asyncio.create_task(asyncio.to_thread(processes.terminate, worker, GRACE))
            await _until(lambda: '"background workers stopping"' in log.read_text())
            holding.answer.set()  # the sends in hand are answered
            status = await stopped

            # At once, not after the lease: every message of ours is delivered or due now, untried.
            engine = create_async_engine(database_url)
            try:
                async with engine.connect() as connection:
                    rows = (
                        await connection.execute(
                            text(
                                "SELECT msg_id, state, attempts, available_at <= :now AS due FROM webhook_message"
                                " WHERE msg_id IN :ours"
                            ).bindparams(bindparam("ours", expanding=True)),
                            {"ours": sorted(ours), "now": stack.clock.now()},  # the services' clock
                        )
                    ).all()
            finally:
                await engine.dispose()
            accepted = set(receiver.accepted) & ours
        finally:
            holding.answer.set()
            processes.add_worker("notify")
            await stack.client.post(f"/api/v1/notify/webhooks/{endpoint['id']}/disable", headers=enterprise)

    assert status == 0
    delivered = {row.msg_id for row in rows if row.state == "delivered"}
    assert delivered == accepted  # the sends in hand were finished …
    assert len(delivered) == PER_RECEIVER  # … and no more begun once it was stopping
    given_back = [row for row in rows if row.state != "delivered"]
    assert len(given_back) == len(ours) - PER_RECEIVER
    assert all(row.state == "pending" and row.attempts == 0 and row.due for row in given_back)
