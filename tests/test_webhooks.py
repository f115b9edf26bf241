"""Webhooks to an enterprise's own system (issue 10): subscribed by the enterprise admin, signed
per Standard Webhooks and verified by the receiver with the library, retried with backoff until
accepted, replayable with the same id, secrets rotated with an overlap — and every attempt in
the delivery log."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from tipoff_flow import until

from notify.webhooks.service import new_secret
from qingling.clock import SHANGHAI
from standins import serving
from standins.webhooks import Receiver

NOTIFY = "/api/v1/notify"
WEBHOOKS = f"{NOTIFY}/webhooks"
DUST = {
    "title": "除尘系统未设置锁气卸灰装置",
    "description": "抛光车间除尘器未设锁气卸灰，积尘未及时清理",
    "grade": "general",
    "tags": ["dust_explosion"],
    "found_at": "2024-09-02T08:30:00+08:00",
}


async def eventually(check):
    """Waits until ``check()`` (about the receiver, which runs in its own thread) answers something."""

    async def checked():
        return check()

    return await until(checked)


@pytest.fixture
async def receiver(system):
    receiver = Receiver()
    with serving(receiver.app()) as url:
        receiver.url = f"{url}/hooks"
        yield receiver
    admin = await system.login("demo-enterprise")  # the receiver is gone: its endpoint is disabled
    for endpoint in (await system.client.get(WEBHOOKS, headers=admin)).json():
        if endpoint["url"] == receiver.url:
            disabled = await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/disable", headers=admin)
            assert disabled.json()["active"] is False


async def _subscribe(system, receiver: Receiver) -> dict:
    admin = await system.login("demo-enterprise")
    created = await system.client.post(
        WEBHOOKS, json={"url": receiver.url, "event_types": ["hazard.changed", "reminder.sent"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    receiver.secrets = [created.json()["secret"]]
    return created.json()


async def _messages(system, endpoint: int) -> list[dict]:
    response = await system.client.get(f"{WEBHOOKS}/{endpoint}/messages", headers=await system.login("demo-enterprise"))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_a_receiver_that_fails_three_times_gets_the_message_on_the_fourth_attempt_and_not_again(system, receiver):
    system.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    endpoint = await _subscribe(system, receiver)
    assert endpoint["secret"].startswith("whsec_") and endpoint["event_types"] == ["hazard.changed", "reminder.sent"]
    others = await system.client.get(WEBHOOKS, headers=await system.login("deqing-yjj"))
    assert others.status_code == 403  # enterprise admins only

    pinged = await system.client.post(
        f"{WEBHOOKS}/{endpoint['id']}/ping", headers=await system.login("demo-enterprise")
    )
    assert pinged.status_code == 202
    ping = await eventually(lambda: _arrived(receiver, pinged.json()["msg_id"]))
    assert ping.verified and json.loads(ping.body)["type"] == "webhook.ping"

    receiver.failures_left = 3
    reported = await system.client.post(
        "/api/v1/hazards/hazards", json=DUST, headers=await system.login("demo-enterprise")
    )
    assert reported.status_code == 201, reported.text
    hazard = reported.json()["id"]

    async def message():
        return next((m for m in await _messages(system, endpoint["id"]) if m["event_type"] == "hazard.changed"), None)

    msg_id = (await until(message))["msg_id"]
    for attempt in (1, 2, 3, 4):
        await until(lambda n=attempt: _recorded(system, endpoint["id"], msg_id, n))
        system.clock.advance(timedelta(minutes=16))  # past any backoff (capped at 15 minutes)
    await eventually(lambda: msg_id in receiver.accepted or None)
    system.clock.advance(timedelta(hours=2))
    delivered = next(m for m in await _messages(system, endpoint["id"]) if m["msg_id"] == msg_id)
    assert (delivered["state"], delivered["attempts"], delivered["last_status"]) == ("delivered", 4, 204)
    assert [a.answered for a in receiver.of(msg_id)] == [503, 503, 503, 204]  # and not again
    assert all(a.verified for a in receiver.of(msg_id))
    payload = json.loads(receiver.accepted[msg_id])
    assert payload["type"] == "hazard.changed" and payload["data"]["hazard_id"] == hazard

    log = await system.client.get(
        f"{NOTIFY}/deliveries",
        params={"item_type": "hazard", "item_id": hazard},
        headers=await system.login("deqing-yjj"),
    )
    attempts = [(e["channel"], e["status"], e["provider_message_id"]) for e in log.json() if e["channel"] == "webhook"]
    assert attempts == [("webhook", "failed", msg_id)] * 3 + [("webhook", "delivered", msg_id)]

    # A replay goes out under the same id; the receiver's copy is still the one it kept.
    replayed = await system.client.post(
        f"{WEBHOOKS}/messages/{msg_id}/replay", headers=await system.login("demo-enterprise")
    )
    assert replayed.status_code == 202
    await eventually(lambda: len(receiver.of(msg_id)) == 5 or None)
    assert len(receiver.accepted) == len(set(receiver.accepted))  # one per id


@pytest.mark.asyncio
async def test_a_reminder_that_falls_due_reaches_the_enterprises_system_as_reminder_sent(system, receiver):
    """The ladder's messages to an enterprise go to its subscribed system too, not only its inbox."""
    system.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    endpoint = await _subscribe(system, receiver)
    reported = await system.client.post(
        "/api/v1/hazards/hazards", json=DUST, headers=await system.login("demo-enterprise")
    )  # fmt: skip
    hazard = reported.json()["id"]
    order = {"measures": "清理积尘，加装锁气卸灰阀", "responsible_person": "王强", "funds": "企业自筹 2 万元",
             "acceptor": "李明", "deadline": "2024-09-20"}  # fmt: skip
    accepted = await system.client.post(
        f"/api/v1/hazards/hazards/{hazard}/accept_general", json=order, headers=await system.login("deqing-yjj")
    )  # fmt: skip
    assert accepted.status_code == 200, accepted.text

    async def planned():
        response = await system.client.get(
            f"{NOTIFY}/reminders", params={"item_type": "hazard", "item_id": hazard},
            headers=await system.login("deqing-yjj"),
        )  # fmt: skip
        return (response.status_code == 200 and any(r["step"] == "warn_3" for r in response.json())) or None

    await until(planned)
    system.clock.freeze(datetime(2024, 9, 17, 10, 0, tzinfo=SHANGHAI))  # the 预警 three days before

    async def sent():
        messages = await _messages(system, endpoint["id"])
        return next((m for m in messages if m["event_type"] == "reminder.sent" and m["state"] == "delivered"), None)

    message = await until(sent)
    payload = json.loads(receiver.accepted[message["msg_id"]])
    assert payload["type"] == "reminder.sent" and payload["data"]["item_id"] == hazard
    assert payload["data"]["step"] == "warn_3" and payload["data"]["title"] == "隐患整改期限预警"
    assert payload["data"]["deadline_at"].startswith("2024-09-20T23:59:59")


async def _recorded(system, endpoint: int, msg_id: str, attempts: int) -> bool:
    """The attempt was made and its outcome recorded (so the next retry time is set)."""
    return any(m["msg_id"] == msg_id and m["attempts"] >= attempts for m in await _messages(system, endpoint))


def _arrived(receiver: Receiver, msg_id: str):
    arrivals = receiver.of(msg_id)
    return arrivals[0] if arrivals else None


@pytest.mark.asyncio
async def test_signatures_verify_old_requests_are_refused_and_a_rotated_secret_overlaps(system, receiver):
    system.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    endpoint = await _subscribe(system, receiver)
    first_secret = endpoint["secret"]
    admin = await system.login("demo-enterprise")
    ping = (await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=admin)).json()
    arrival = await eventually(lambda: _arrived(receiver, ping["msg_id"]))
    assert arrival.verified

    # The same request captured and replayed six minutes later is refused by a verifying receiver:
    # the signature is what Qingling would have sent then, its timestamp is outside the tolerance.
    then = datetime.now(UTC) - timedelta(minutes=6)
    old = {**arrival.headers, "webhook-timestamp": str(int(then.timestamp())),
           "webhook-signature": Webhook(first_secret).sign(ping["msg_id"], then, arrival.body.decode())}  # fmt: skip
    assert receiver.verify(arrival.body, arrival.headers) is True
    assert receiver.verify(arrival.body, old) is False
    stranger = Webhook(new_secret())  # signed with a key the receiver does not hold
    forged = {
        **arrival.headers,
        "webhook-signature": stranger.sign(ping["msg_id"], datetime.now(UTC), arrival.body.decode()),
    }
    assert receiver.verify(arrival.body, forged) is False

    rotated = (await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/rotate-secret", headers=admin)).json()
    rotated_secret = rotated["secret"]
    during = (await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=admin)).json()
    arrival = await eventually(lambda: _arrived(receiver, during["msg_id"]))
    assert len(arrival.headers["webhook-signature"].split(" ")) == 2  # old and new both sign in the overlap
    assert Receiver(secrets=[first_secret]).verify(arrival.body, arrival.headers)
    assert Receiver(secrets=[rotated_secret]).verify(arrival.body, arrival.headers)

    system.clock.advance(timedelta(hours=25))
    admin = await system.login("demo-enterprise")
    receiver.secrets = [rotated_secret]
    after = (await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=admin)).json()
    arrival = await eventually(lambda: _arrived(receiver, after["msg_id"]))
    assert not Receiver(secrets=[first_secret]).verify(arrival.body, arrival.headers)  # the old one expired
    assert Receiver(secrets=[rotated_secret]).verify(arrival.body, arrival.headers)


@pytest.mark.asyncio
async def test_a_subscription_to_an_unknown_event_or_without_a_url_is_refused_and_nothing_is_kept(embedded):
    admin = await embedded.login("demo-enterprise")
    before = (await embedded.client.get(WEBHOOKS, headers=admin)).json()
    for body in (
        {"url": "https://erp.example.com/hooks", "event_types": ["hazard.deleted"]},
        {"url": "not a url", "event_types": ["hazard.changed"]},
        {"url": "https://erp.example.com/hooks", "event_types": []},
    ):
        refused = await embedded.client.post(WEBHOOKS, json=body, headers=admin)
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"]
    assert (await embedded.client.get(WEBHOOKS, headers=admin)).json() == before


@pytest.mark.asyncio
async def test_a_message_the_receiver_refuses_for_good_is_parked_shown_to_the_enterprise_and_replayed(system, receiver):
    system.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    endpoint = await _subscribe(system, receiver)
    admin = await system.login("demo-enterprise")
    receiver.refusals_left = 1  # 410 Gone: retrying would not help
    ping = (await system.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=admin)).json()

    async def parked():
        found = next(m for m in await _messages(system, endpoint["id"]) if m["msg_id"] == ping["msg_id"])
        return found if found["state"] == "parked" else None

    message = await until(parked)
    assert (message["attempts"], message["last_status"]) == (1, 410)
    system.clock.advance(timedelta(days=1))
    await asyncio.sleep(1)
    assert [a.answered for a in receiver.of(ping["msg_id"])] == [410]  # never retried by itself

    admin = await system.login("demo-enterprise")
    replayed = await system.client.post(f"{WEBHOOKS}/messages/{ping['msg_id']}/replay", headers=admin)
    assert replayed.status_code == 202
    await eventually(lambda: ping["msg_id"] in receiver.accepted or None)
    assert [a.answered for a in receiver.of(ping["msg_id"])] == [410, 204]


async def test_a_bulk_self_reports_hazards_each_reach_the_board_and_the_enterprises_system(system, receiver):
    """A batch's events travel together (one call, taken at once by notify): still one board row
    and one hazard.changed message per hazard."""
    endpoint = await _subscribe(system, receiver)
    headers = await system.login("demo-enterprise") | {"Idempotency-Key": f"bulk-{uuid.uuid4()}"}
    marker = f"批量{uuid.uuid4().hex[:6]}"
    items = [DUST | {"title": f"{marker}-{n:02d}"} for n in range(30)]
    created = await system.client.post("/api/v1/hazards/hazards/batch", json={"items": items}, headers=headers)
    assert created.status_code == 201, created.text
    ids = set(created.json()["hazard_ids"])

    async def on_the_board():
        board, after = set(), None
        while True:
            params = {"limit": 500} | ({"after": after} if after else {})
            page = (await system.client.get(f"{NOTIFY}/deadlines", params=params, headers=headers)).json()
            board |= {item["item_id"] for item in page["items"] if item["item_type"] == "hazard"}
            if not (after := page["next_after"]):
                return (ids <= board) or None

    async def each_sent_once():
        sent = [m for m in await _messages(system, endpoint["id"]) if m["event_type"] == "hazard.changed"]
        about = [json.loads(receiver.accepted[m["msg_id"]])["data"]["hazard_id"]
                 for m in sent if m["state"] == "delivered" and m["msg_id"] in receiver.accepted]  # fmt: skip
        mine = [hazard for hazard in about if hazard in ids]
        return (sorted(mine) == sorted(ids)) or None

    await until(on_the_board)
    await until(each_sent_once)


async def _endless_answer(scope, receive, send) -> None:
    """A receiver that takes the message (200) and then never stops answering: its body goes on
    until the connection is closed."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    chunk = b"ok " * 20_000
    while True:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_a_receiver_whose_answer_never_ends_has_the_message_and_the_worker_goes_on(system):
    """Only the status of an answer counts: its body is read up to a bound and the connection
    closed, so a receiver answering without end neither fills a worker's memory nor holds it until
    the time limit (and the message is not sent again as if it had failed)."""
    with serving(_endless_answer) as url:
        admin = await system.login("demo-enterprise")
        created = await system.client.post(WEBHOOKS, json={"url": f"{url}/hooks", "event_types": ["hazard.changed"]},
                                           headers=admin)  # fmt: skip
        assert created.status_code == 201, created.text
        endpoint = created.json()["id"]
        try:
            ping = (await system.client.post(f"{WEBHOOKS}/{endpoint}/ping", headers=admin)).json()

            async def delivered():
                found = next(m for m in await _messages(system, endpoint) if m["msg_id"] == ping["msg_id"])
                return found if found["state"] != "pending" else None

            message = await until(delivered)
            assert (message["state"], message["attempts"], message["last_status"]) == ("delivered", 1, 200)
        finally:
            await system.client.post(f"{WEBHOOKS}/{endpoint}/disable", headers=await system.login("demo-enterprise"))
