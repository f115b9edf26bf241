"""A hazard's deadline reaches the notify service through the outbox (hazard.changed events) and
shows on the deadline board of everyone responsible — overdue once the clock passes it."""

import asyncio
from datetime import datetime, timedelta

import pytest

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)


async def _board_item(system, username: str, hazard_id: int, **params) -> dict | None:
    """The hazard's entry on the user's board, following the pages."""
    headers, after = await system.login(username), None
    while True:
        query = {"limit": 500, **params} | ({"after": after} if after else {})
        response = await system.client.get("/api/v1/notify/deadlines", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["items"]:
            if (item["item_type"], item["item_id"]) == ("hazard", hazard_id):
                return item
        if not (after := page["next_after"]):
            return None


async def _until(condition):
    """Polls until the outbox relay has delivered (every 0.2 s embedded, every 1 s in the stack)."""
    async with asyncio.timeout(15):
        while (result := await condition()) is None:  # noqa: ASYNC110 - polling another service
            await asyncio.sleep(0.2)
    return result


async def test_a_hazard_deadline_reaches_the_board_and_turns_overdue(system):
    system.clock.freeze(MONDAY)
    headers = await system.login("deqing-yjj")
    enterprise = (await system.client.get("/api/v1/hazards/enterprises?limit=1", headers=headers)).json()["items"][0]
    report = {
        "enterprise_id": enterprise["id"],
        "title": "配电箱未上锁",
        "description": "二号车间配电箱门未关闭、未上锁",
        "grade": "general",
        "found_at": "2024-09-02T08:00:00+08:00",
    }
    hazard = (await system.client.post("/api/v1/hazards/hazards", json=report, headers=headers)).json()
    order = {
        "measures": "配电箱加锁并张贴警示",
        "responsible_person": "王强",
        "funds": "自筹 200 元",
        "acceptor": "李安",
        "deadline": "2024-09-20",
    }
    accepted = await system.client.post(
        f"/api/v1/hazards/hazards/{hazard['id']}/accept_general", json=order, headers=headers
    )
    assert accepted.status_code == 200, accepted.text

    async def shown():
        item = await _board_item(system, "deqing-yjj", hazard["id"])
        return item if item and item["state"] == "rectifying" else None

    item = await _until(shown)
    assert (item["deadline_at"], item["overdue"]) == ("2024-09-20T23:59:59+08:00", False)
    assert await _board_item(system, "wuxing-yjj", hazard["id"]) is None  # another county's board

    system.clock.advance(timedelta(days=21))  # Monday 2024-09-23
    late = await _board_item(system, "deqing-yjj", hazard["id"], overdue="true")
    assert (late["overdue"], late["days_overdue"]) == (True, 3)


async def test_the_board_pages(system):
    headers = await system.login("huzhou-yjj")

    first = await system.client.get("/api/v1/notify/deadlines", params={"limit": 1}, headers=headers)

    assert first.status_code == 200, first.text
    if first.json()["items"]:  # a full page points to the next one
        assert first.json()["next_after"] == first.json()["items"][0]["id"]
