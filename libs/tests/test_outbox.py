"""The outbox between two small services, on SQLite and on PostgreSQL: an effect written with
its cause is delivered once the receiver recovers, and a redelivery after a relay stopped short is
a no-op. The relay is driven pass by pass, with the clock advanced past backoffs; a relay that stops
gives its claimed events back at once (one SIGKILLed leaves them leased: tests/test_webhook_workers.py)."""

import asyncio
from datetime import timedelta

import pytest

import sample_apps
from qingling.delivery import listen_for_doorbells
from qingling.runtime import open_runtime

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


async def test_a_relay_cancelled_at_the_shutdown_deadline_gives_its_batch_back_and_the_redelivery_is_a_no_op(pair):
    pair.beta.state.hold = hold = type("Hold", (), {"committed": asyncio.Event()})()
    created = await pair.client.post("/api/v1/alpha/notes", json={"text": "违规电气焊"})

    relay = asyncio.create_task(pair.relay.run_once())
    await asyncio.wait_for(hold.committed.wait(), timeout=10)  # the receiver has committed …
    relay.cancel()  # … and the relay is cancelled (a stop's deadline) before it can mark the row sent
    with pytest.raises(asyncio.CancelledError):
        await relay
    [row] = await pair.outbox_rows()
    assert row.sent_at is None and row.attempts == 0
    assert row.available_at <= pair.clock.now()  # given back: due again at once, not after the lease

    pair.beta.state.hold = None
    assert await pair.relay.run_once() == 1  # the clock has not moved

    [row] = await pair.outbox_rows()
    assert row.sent_at is not None and row.attempts == 0
    assert await pair.received() == [{"id": created.json()["id"], "text": "违规电气焊"}]
    assert await pair.inbox_count() == 1  # the redelivery was a no-op


async def test_a_stopping_relay_sends_nothing_more_and_gives_its_claim_back_at_once(pair):
    for text in ("动火作业", "高处作业"):
        assert (await pair.client.post("/api/v1/alpha/notes", json={"text": text})).status_code == 201
    runtime = pair.alpha.state.runtime
    runtime.stop()  # SIGTERM, between the claim of a pass and its sending

    assert await pair.relay.run_once() == 2
    assert pair.beta.state.event_calls == []
    rows = await pair.outbox_rows()
    assert [(row.state, row.attempts, row.last_error) for row in rows] == [("pending", 0, None)] * 2
    assert all(row.available_at <= pair.clock.now() for row in rows)  # another worker takes them now


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


async def test_an_event_the_receiver_refuses_is_parked_after_one_try_and_not_retried(pair):
    pair.beta.state.refusals = 1  # a 422: the receiver will never take it as it is
    await pair.client.post("/api/v1/alpha/notes", json={"text": "判定标准已废止"})

    assert await pair.relay.run_once() == 1
    [row] = await pair.outbox_rows()
    assert (row.state, row.attempts, row.last_status, row.sent_at) == ("parked", 1, 422, None)
    pair.clock.advance(timedelta(days=2))
    assert await pair.relay.run_once() == 0  # parked: never retried by itself
    assert await pair.received() == []

    metrics = (await pair.client.get("/api/v1/alpha/metrics", headers=pair.scraper)).text
    assert "qingling_outbox_parked 1.0" in metrics
    assert "qingling_outbox_pending 0.0" in metrics  # not counted as a backlog that will clear


async def test_an_event_out_of_attempts_is_parked(pair):
    pair.alpha.state.runtime.settings.relay_max_attempts = 3
    pair.beta.state.outage = 10
    await pair.client.post("/api/v1/alpha/notes", json={"text": "一直不可用"})

    for _ in range(3):
        assert await pair.relay.run_once() == 1
        pair.clock.advance(timedelta(hours=1))
    assert await pair.relay.run_once() == 0
    [row] = await pair.outbox_rows()
    assert (row.state, row.attempts, row.last_status) == ("parked", 3, 503)


async def test_a_committed_event_wakes_the_relay_at_once(pair):
    runtime = pair.alpha.state.runtime
    doorbell = runtime.doorbell("outbox_message")
    doorbell.clear()
    rejected = await pair.client.post("/api/v1/alpha/notes", json={"text": "x", "reject_after_emit": True})
    assert rejected.status_code == 422 and not doorbell.is_set()  # rolled back: nothing to wake for

    await pair.client.post("/api/v1/alpha/notes", json={"text": "动火作业"})
    assert doorbell.is_set()
    woken = asyncio.get_running_loop().time()
    assert not await runtime.idle(60, doorbell)  # returns at once instead of after the poll interval
    assert asyncio.get_running_loop().time() - woken < 1


async def test_on_postgresql_a_committed_event_wakes_the_relay_of_another_process(pair):
    alpha = pair.alpha.state.runtime
    if alpha.engine.dialect.name != "postgresql":
        pytest.skip("one process on SQLite: its own doorbell is rung at commit (the test above)")
    async with open_runtime(alpha.service, alpha.settings) as worker:  # a worker process's runtime
        doorbell = worker.doorbell("outbox_message")
        listening = asyncio.create_task(listen_for_doorbells(worker))
        try:
            await asyncio.sleep(0.5)  # listening
            doorbell.clear()
            rejected = await pair.client.post("/api/v1/alpha/notes", json={"text": "x", "reject_after_emit": True})
            assert rejected.status_code == 422
            await asyncio.sleep(0.5)
            assert not doorbell.is_set()  # rolled back: PostgreSQL sends no notification

            await pair.client.post("/api/v1/alpha/notes", json={"text": "动火作业"})
            await asyncio.wait_for(doorbell.wait(), timeout=5)  # rung from the other "process"
        finally:
            worker.stopping.set()
            await listening


async def _notes_of_one_request(pair, *texts: str) -> str:
    request_id = "5e1f0c2b9a8d4e7f8a6b5c4d3e2f1a00"
    for text in texts:
        headers = {"X-Request-ID": request_id}
        assert (await pair.client.post("/api/v1/alpha/notes", json={"text": text}, headers=headers)).status_code == 201
    return request_id


async def test_the_events_of_one_request_go_in_one_call(pair):
    request_id = await _notes_of_one_request(pair, "第一条", "第二条", "第三条")
    sample_apps.TAKEN_TOGETHER.clear()

    assert await pair.relay.run_once() == 3
    assert pair.beta.state.event_calls == ["batch"]
    assert sample_apps.TAKEN_TOGETHER == [3]  # the receiver's handler for many took them at once
    assert pair.beta.state.event_request_ids == [request_id]  # the call carries the request's id
    assert [note["text"] for note in await pair.received()] == ["第一条", "第二条", "第三条"]
    rows = await pair.outbox_rows()
    assert all(row.state == "delivered" and row.sent_at is not None and row.attempts == 0 for row in rows)

    again = await pair.client.post(  # a redelivery of the whole batch changes nothing
        "/api/v1/beta/events/batch",
        json={"events": [row.payload for row in rows]},
        headers=await pair.service_headers("alpha", to="beta"),
    )
    assert [result["status"] for result in again.json()["results"]] == ["duplicate"] * 3
    assert len(await pair.received()) == 3
    assert sample_apps.TAKEN_TOGETHER == [3]  # nothing new for it


async def test_the_events_of_many_requests_go_in_one_call_each_under_its_own_request(pair):
    for text, request_id in [("第一条", "a" * 32), ("拒收这一条", "b" * 32)]:
        headers = {"X-Request-ID": request_id}
        assert (await pair.client.post("/api/v1/alpha/notes", json={"text": text}, headers=headers)).status_code == 201
    sample_apps.TAKEN_TOGETHER.clear()
    sample_apps.HANDLED.clear()

    assert await pair.relay.run_once() == 2
    assert pair.beta.state.event_calls == ["batch"]  # one call behind a busy intake, not one per request
    assert sample_apps.TAKEN_TOGETHER == [2]  # its events are taken at once; one is refused, so
    assert sample_apps.HANDLED[-2:] == [("第一条", "a" * 32), ("拒收这一条", "b" * 32)]  # again, each under its own
    assert [note["text"] for note in await pair.received()] == ["第一条"]


async def test_a_batch_keeps_the_order_of_each_subject_and_takes_each_type_together_across_them(pair):
    await _notes_of_one_request(pair, "甲一", "乙一", "甲二")
    first, other, second = sorted((row.payload for row in await pair.outbox_rows()), key=lambda p: p["data"]["note_id"])
    second["subject"] = first["subject"]  # 甲二 is a later event about the same thing as 甲一
    sample_apps.TAKEN_TOGETHER.clear()
    sample_apps.HANDLED.clear()

    answer = await pair.client.post(
        "/api/v1/beta/events/batch",
        json={"events": [first, second, other]},
        headers=await pair.service_headers("alpha", to="beta"),
    )

    assert [result["status"] for result in answer.json()["results"]] == ["processed"] * 3
    assert sample_apps.TAKEN_TOGETHER == [2]  # 甲一 with 乙一 (one per subject), then 甲二 on its own
    assert [text for text, _ in sample_apps.HANDLED] == ["甲一", "乙一", "甲二"]


async def test_an_event_twice_in_one_batch_is_taken_once(pair):
    await _notes_of_one_request(pair, "第一条", "第二条")
    first, second = (row.payload for row in await pair.outbox_rows())

    answer = await pair.client.post(
        "/api/v1/beta/events/batch",
        json={"events": [first, second, first]},
        headers=await pair.service_headers("alpha", to="beta"),
    )

    assert [result["status"] for result in answer.json()["results"]] == ["processed", "processed", "duplicate"]
    assert len(await pair.received()) == 2


async def test_an_event_refused_in_a_batch_is_parked_and_the_others_stand(pair):
    await _notes_of_one_request(pair, "第一条", "拒收这一条", "第三条")
    sample_apps.TAKEN_TOGETHER.clear()

    assert await pair.relay.run_once() == 3
    assert sample_apps.TAKEN_TOGETHER == [3]  # refused together, then taken one by one
    assert [note["text"] for note in await pair.received()] == ["第一条", "第三条"]  # the refused write undone
    rows = {row.payload["data"]["text"]: row for row in await pair.outbox_rows()}
    refused = rows["拒收这一条"]
    assert (refused.state, refused.attempts, refused.last_status) == ("parked", 1, 422)
    assert "拒收" in refused.last_error
    assert rows["第一条"].state == rows["第三条"].state == "delivered"
    assert await pair.inbox_count() == 2  # the refused one may come again once corrected


async def test_only_services_deliver_batches_and_each_only_its_own_events(pair):
    await _notes_of_one_request(pair, "第一条", "第二条")
    body = {"events": [row.payload for row in await pair.outbox_rows()]}

    anonymous = await pair.client.post("/api/v1/beta/events/batch", json=body)
    as_beta = await pair.client.post(
        "/api/v1/beta/events/batch", json=body, headers=await pair.service_headers("beta", to="beta")
    )

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not-signed-in")
    assert as_beta.status_code == 200
    assert [r["problem"]["code"] for r in as_beta.json()["results"]] == ["foreign-event-source"] * 2
    assert await pair.received() == []


async def test_a_receiver_without_batches_takes_the_events_one_by_one(pair):
    pair.beta.state.without_batches = True  # an older receiver, mid-upgrade
    await _notes_of_one_request(pair, "第一条", "第二条")

    assert await pair.relay.run_once() == 2
    assert pair.beta.state.event_calls == ["batch", "events", "events"]
    assert len(await pair.received()) == 2
    assert all(row.state == "delivered" for row in await pair.outbox_rows())
