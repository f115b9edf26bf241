"""Enterprise systems report a thousand hazards at once: validated as a whole, stored all or
nothing, exactly once per Idempotency-Key (domain.md §8 scenario 7)."""

import asyncio
import secrets

import pytest

pytestmark = pytest.mark.asyncio

MAJOR = {
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第三条(二)",
    "report": {"condition": "现场情况说明", "harm": "危害与整改难度分析", "plan": "治理方案"},
}


def _batch(marker: str, size: int = 1000) -> dict:
    items = []
    for number in range(size):
        item = {
            "title": f"{marker}-{number:04d}",
            "description": "自查发现：作业现场安全防护不到位",
            "grade": "general",
            "tags": ["confined_space"] if number % 3 == 0 else [],
            "found_at": "2024-09-02T08:00:00+08:00",
        }
        items.append(item | MAJOR if number % 10 == 0 else item)
    return {"items": items}


async def _post(system, body: dict, key: str | None, username: str = "demo-enterprise"):
    headers = await system.login(username)
    if key:
        headers["Idempotency-Key"] = key
    return await system.client.post("/api/v1/hazards/hazards/batch", json=body, headers=headers)


async def _stored(system, marker: str) -> int:
    headers, after, count = await system.login("demo-enterprise"), None, 0
    while True:
        params = {"limit": 500, "source": "self_report"} | ({"after": after} if after else {})
        page = (await system.client.get("/api/v1/hazards/hazards", params=params, headers=headers)).json()
        count += sum(1 for hazard in page["items"] if hazard["title"].startswith(marker))
        if not (after := page["next_after"]):
            return count


async def test_three_bad_items_are_all_named_then_the_fixed_batch_is_stored_once(system):
    marker = f"批量{secrets.token_hex(3)}"
    body = _batch(marker)
    for index in (10, 500, 990):  # 重大 hazards without their clause (scenario 7)
        del body["items"][index]["basis_clause"]
    key = secrets.token_urlsafe(16)

    refused = await _post(system, body, key)

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "batch-rejected"
    assert [e["field"] for e in refused.json()["errors"]] == [
        "/items/10/basis_clause",
        "/items/500/basis_clause",
        "/items/990/basis_clause",
    ]
    assert await _stored(system, marker) == 0

    fixed = _batch(marker)
    created = await _post(system, fixed, key)  # the refused attempt did not use up the key
    assert created.status_code == 201, created.text
    assert created.json()["created"] == 1000 and len(set(created.json()["hazard_ids"])) == 1000

    replay = await _post(system, fixed, key)
    assert (replay.status_code, replay.json()) == (201, created.json())
    assert await _stored(system, marker) == 1000

    other_body = await _post(system, _batch(marker, size=2), key)
    assert (other_body.status_code, other_body.json()["code"]) == (422, "idempotency-key-reused")


async def test_a_thousand_and_one_is_too_many(system):
    response = await _post(system, _batch("超量", size=1001), secrets.token_urlsafe(16))

    assert (response.status_code, response.json()["code"]) == (413, "batch-too-large")


async def test_the_key_is_required(system):
    response = await _post(system, _batch("无键", size=2), key=None)

    assert (response.status_code, response.json()["code"]) == (400, "idempotency-key-missing")


async def test_two_concurrent_requests_with_one_key_store_once(system):
    marker = f"并发{secrets.token_hex(3)}"
    body, key = _batch(marker, size=200), secrets.token_urlsafe(16)

    first, second = await asyncio.gather(_post(system, body, key), _post(system, body, key))

    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([201, 409], [201, 201]), (first.text, second.text)
    if statuses == [201, 409]:
        conflict = first if first.status_code == 409 else second
        assert conflict.json()["code"] == "idempotency-key-in-use"
    assert await _stored(system, marker) == 200


async def test_each_hazard_of_a_batch_has_its_audit_trail(system):
    marker = f"台账{secrets.token_hex(3)}"
    created = (await _post(system, _batch(marker, size=3), secrets.token_urlsafe(16))).json()
    headers = await system.login("deqing-yjj")

    for hazard_id in created["hazard_ids"]:
        verdict = (await system.client.get(f"/api/v1/hazards/hazards/{hazard_id}/verify", headers=headers)).json()
        assert (verdict["intact"], verdict["entries"]) == (True, 1)


async def test_only_enterprises_report_in_bulk(system):
    response = await _post(system, _batch("监管", size=2), secrets.token_urlsafe(16), username="deqing-yjj")

    assert response.status_code == 403


async def test_format_and_rule_errors_are_named_in_one_answer(system):
    marker = f"混合{secrets.token_hex(3)}"
    body = _batch(marker, size=30)
    body["items"][3]["found_at"] = "昨天"  # format
    del body["items"][20]["basis_clause"]  # rule: a 重大 hazard names its clause

    refused = await _post(system, body, secrets.token_urlsafe(16))

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["/items/3/found_at", "/items/20/basis_clause"]
    assert await _stored(system, marker) == 0
