"""The outbox between two small services, on SQLite and on PostgreSQL: an effect written with
its cause is delivered once the receiver recovers, and a redelivery after a relay dies is a
no-op. The relay is driven pass by pass, with the clock advanced past backoffs and leases."""

import asyncio
from datetime import timedelta

import pytest

pytestmark = pytest.mark.asyncio


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

    as_alpha = await pair.service_headers("alpha", to="beta")
    first = await pair.client.post("/api/v1/beta/events", json=row.payload, headers=as_alpha)
    second = await pair.client.post("/api/v1/beta/events", json=row.payload, headers=as_alpha)

    assert first.json()["status"] == "processed"
    assert second.json()["status"] == "duplicate"
    assert len(await pair.received()) == 1


async def test_metrics_show_the_outbox_backlog(pair):
    await pair.client.post("/api/v1/alpha/notes", json={"text": "积压"})
    pair.clock.advance(timedelta(minutes=2))

    assert (await pair.client.get("/api/v1/alpha/metrics")).status_code == 401  # only to the scraper
    waiting = (await pair.client.get("/api/v1/alpha/metrics", headers=pair.scraper)).text
    assert "qingling_outbox_pending 1.0" in waiting
    assert "qingling_outbox_oldest_pending_seconds 120.0" in waiting
    assert 'handler="/api/v1/alpha/notes"' in waiting  # request metrics per route template

    await pair.relay.run_once()
    assert "qingling_outbox_pending 0.0" in (await pair.client.get("/api/v1/alpha/metrics", headers=pair.scraper)).text


async def test_one_request_id_traces_the_effect_across_services(pair):
    request_id = "0f3c2b1a9e8d4c7b6a5f4e3d2c1b0a99"
    await pair.client.post("/api/v1/alpha/notes", json={"text": "外包施工"}, headers={"X-Request-ID": request_id})

    [row] = await pair.outbox_rows()
    assert row.request_id == request_id
    await pair.relay.run_once()
    assert pair.beta.state.event_request_ids == [request_id]


async def test_only_services_may_deliver_events(pair):
    await pair.client.post("/api/v1/alpha/notes", json={"text": "冒充投递"})
    [row] = await pair.outbox_rows()

    anonymous = await pair.client.post("/api/v1/beta/events", json=row.payload)
    forged = await pair.client.post(
        "/api/v1/beta/events", json=row.payload, headers={"Authorization": "Bearer not-a-token"}
    )

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not-signed-in")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid-token")
    assert await pair.received() == []


async def test_a_service_delivers_only_its_own_events(pair):
    await pair.client.post("/api/v1/alpha/notes", json={"text": "冒名投递"})
    [row] = await pair.outbox_rows()

    as_beta = await pair.client.post(
        "/api/v1/beta/events", json=row.payload, headers=await pair.service_headers("beta", to="beta")
    )

    assert (as_beta.status_code, as_beta.json()["code"]) == (403, "foreign-event-source")
    assert await pair.received() == []
