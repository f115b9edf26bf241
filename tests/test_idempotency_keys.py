"""Every state-changing request takes an ``Idempotency-Key`` (issue 24): a client that lost the
answer — a replica killed, a connection dropped — sends the same request with the same key and
gets the first answer, the change made once; without a key a request behaves as it always did.
The answers are kept for three days: a retry after that is a new request."""

import io
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from tipoff_flow import RECEIPT, TIP_OFFS, as_reporter, submit, tip_off_id, until

from qlstack.services import SERVICE_NAMES

OPENAPI = Path(__file__).parents[1] / "openapi"
WRITES = {"post", "put", "patch", "delete"}
# A request that carries a password keeps neither it nor a digest of it: a retry asks again
# (another token; a password change the server already made answers 401, and the new one works).
KEPT_NOTHING = {"POST /api/v1/identity/oauth/token", "POST /api/v1/identity/password"}
RETENTION = timedelta(hours=72)  # QL_IDEMPOTENCY_RETENTION_HOURS, the default


def _photo() -> bytes:
    """A small PNG no other test sends."""
    out = io.BytesIO()
    Image.frombytes("RGB", (8, 8), secrets.token_bytes(8 * 8 * 3)).save(out, format="PNG")
    return out.getvalue()


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_state_changing_operation_takes_an_idempotency_key(name):
    spec = json.loads((OPENAPI / f"{name}.json").read_text())
    without = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            if method not in WRITES or label in KEPT_NOTHING:
                continue
            headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
            if not any(p["name"].lower() == "idempotency-key" for p in headers):
                without.append(label)
    assert without == []


async def test_a_lifecycle_action_sent_again_with_its_key_answers_as_first_and_is_recorded_once(system):
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, await submit(system), handler)
    key = _key()
    first = await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler | key)
    assert first.status_code == 200, first.text
    again = await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler | key)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    history = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    assert [entry["action"] for entry in history].count("sign") == 1
    verified = (await system.client.get(f"{TIP_OFFS}/{number}/verify", headers=handler)).json()
    assert verified["intact"] is True

    # Without a key, the same action again is what it always was: refused, the record already moved on.
    unkeyed = await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler)
    assert unkeyed.status_code == 409, unkeyed.text


async def test_a_key_sent_with_another_request_is_refused(system):
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, await submit(system), handler)
    key = _key()
    assert (await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler | key)).status_code == 200
    other = await system.client.post(f"{TIP_OFFS}/{number}/accept", headers=handler | key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency-key-reused")
    # Keys are the caller's own: another clerk's request with the same key is theirs alone.
    colleague = await system.login("deqing-ajb")
    theirs = await system.client.post(f"{TIP_OFFS}/{number}/accept", headers=colleague | key)
    assert theirs.json().get("code") != "idempotency-key-reused", theirs.text


async def test_an_empty_or_overlong_key_is_refused_and_changes_nothing(system):
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, await submit(system), handler)
    for key, code in (
        ("", "idempotency-key-empty"),
        ("k" * 256, "idempotency-key-too-long"),
    ):
        refused = await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler | {"Idempotency-Key": key})
        assert (refused.status_code, refused.json()["code"]) == (422, code), key
    still = await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)
    assert "sign" in still.json()["allowed_actions"]  # not signed by any of them


async def test_a_receipt_holders_supplement_sent_again_is_recorded_once(system):
    receipt = await submit(system)
    auth = (receipt["receipt_code"], receipt["secret"])
    body, key = {"text": f"补充：夜里也在焊接 {secrets.token_hex(4)}"}, _key()
    first = await system.client.post(f"{RECEIPT}/supplements", json=body, auth=auth, headers=key)
    assert first.status_code == 201, first.text
    again = await system.client.post(f"{RECEIPT}/supplements", json=body, auth=auth, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    mine = [m for m in (await as_reporter(system, receipt))["messages"] if m["side"] == "reporter"]
    assert [m["text"] for m in mine].count(body["text"]) == 1

    changed = await system.client.post(f"{RECEIPT}/supplements", json={"text": "另一句"}, auth=auth, headers=key)
    assert (changed.status_code, changed.json()["code"]) == (422, "idempotency-key-reused")


async def test_without_credentials_a_holders_route_answers_401_whatever_key_the_public_has_used(system):
    """The public's keys are one space (no credentials, no owner to tell apart): a key another
    caller used for an upload must not make a receipt holder's route without credentials answer
    422 — it answers 401, as it would without the key (found by schemathesis)."""
    key = _key()
    upload = await system.client.post("/api/v1/reports/media", files={"file": ("a.png", _photo())}, headers=key)
    assert upload.status_code == 201, upload.text
    for path, body in (("inbox/read", {"ids": []}), ("objection", {"reason": "不服答复"})):
        response = await system.client.post(f"{RECEIPT}/{path}", json=body, headers=key)
        assert (response.status_code, response.json()["code"]) == (401, "receipt-not-recognised"), path


async def test_an_upload_sent_again_with_its_key_is_stored_once(system):
    content, key = _photo(), _key()
    # Each sending draws a new multipart boundary: the same file is still the same request.
    first = await system.client.post("/api/v1/reports/media", files={"file": ("a.png", content)}, headers=key)
    assert first.status_code == 201, first.text
    again = await system.client.post("/api/v1/reports/media", files={"file": ("a.png", content)}, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    other = await system.client.post("/api/v1/reports/media", files={"file": ("b.png", content)}, headers=key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency-key-reused")

    # Without a key, each sending is an upload of its own, as before.
    unkeyed = [await system.client.post("/api/v1/reports/media", files={"file": ("a.png", content)}) for _ in "ab"]
    assert len({response.json()["token"] for response in unkeyed}) == 2


async def test_an_answer_with_a_secret_is_not_kept_and_its_retry_changes_nothing(system):
    admin = await system.login("demo-enterprise")
    endpoint = {"url": f"https://erp.example.com/qingling/{secrets.token_hex(4)}", "event_types": ["hazard.changed"]}
    key = _key()
    first = await system.client.post("/api/v1/notify/webhooks", json=endpoint, headers=admin | key)
    assert first.status_code == 201, first.text
    again = await system.client.post("/api/v1/notify/webhooks", json=endpoint, headers=admin | key)
    assert (again.status_code, again.json()["code"]) == (409, "idempotency-answer-withheld")
    listed = (await system.client.get("/api/v1/notify/webhooks", headers=admin)).json()
    assert [e["id"] for e in listed].count(first.json()["id"]) == 1
    assert len([e for e in listed if e["url"] == endpoint["url"]]) == 1
    # The shared system's enterprise must not keep a subscription other tests' hazards would reach.
    disabled = await system.client.post(f"/api/v1/notify/webhooks/{first.json()['id']}/disable", headers=admin)
    assert disabled.status_code == 200, disabled.text


async def test_an_answer_is_forgotten_after_three_days_and_a_retry_then_is_a_new_request(system):
    system.clock.freeze(datetime.now(UTC).replace(microsecond=0))
    receipt = await submit(system)
    auth = (receipt["receipt_code"], receipt["secret"])
    old, young = ({"text": f"补充{n}：夜里也在焊接 {secrets.token_hex(4)}"} for n in "一二")
    old_key, young_key = _key(), _key()
    sent = await system.client.post(f"{RECEIPT}/supplements", json=old, auth=auth, headers=old_key)
    assert sent.status_code == 201, sent.text
    system.clock.advance(timedelta(hours=1))
    sent = await system.client.post(f"{RECEIPT}/supplements", json=young, auth=auth, headers=young_key)
    assert sent.status_code == 201, sent.text

    system.clock.advance(RETENTION - timedelta(minutes=30))  # the first answer is older than three days

    async def retried_anew():
        retry = await system.client.post(f"{RECEIPT}/supplements", json=old, auth=auth, headers=old_key)
        return retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers

    await until(retried_anew)  # replayed until the workers have forgotten its answer
    replayed = await system.client.post(f"{RECEIPT}/supplements", json=young, auth=auth, headers=young_key)
    assert (replayed.status_code, replayed.headers.get("Idempotent-Replayed")) == (201, "true")
    mine = [m["text"] for m in (await as_reporter(system, receipt))["messages"] if m["side"] == "reporter"]
    assert (mine.count(old["text"]), mine.count(young["text"])) == (2, 1)
