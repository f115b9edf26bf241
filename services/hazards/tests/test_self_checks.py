"""Self-checks: logged by the enterprise, listed as missing while a period has none, and a
period that passes without one is reported once — and lands on notify's deadline board."""

import asyncio
from datetime import date, datetime

from hazards.selfchecks.service import period_of, report_missed
from qingling.clock import SHANGHAI

CHECK = {
    "checked_on": "2024-09-10",
    "led_by": "王强（总经理）",
    "principal_led": True,
    "scope": "全厂重大事故隐患排查：有限空间、涉爆粉尘、动火作业",
    "findings": "发现 2 处隐患，已上报",
    "hazards_found": 2,
}


def test_periods():
    assert period_of(date(2024, 8, 15), monthly=False) == period_of(date(2024, 7, 1), monthly=False)
    quarter = period_of(date(2024, 8, 15), monthly=False)
    assert (quarter.label, quarter.first, quarter.last) == ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30))
    month = period_of(date(2024, 2, 10), monthly=True)
    assert (month.label, month.last) == ("2024-02", date(2024, 2, 29))
    assert period_of(date(2024, 1, 5), monthly=False).previous(monthly=False).label == "2023-Q4"


async def _own_enterprise(system) -> dict:
    listed = await system.client.get("/api/v1/hazards/enterprises", headers=await system.login("demo-enterprise"))
    return listed.json()["items"][0]


async def test_a_logged_check_takes_the_enterprise_off_the_missing_list(system):
    system.clock.freeze(datetime(2024, 9, 20, 10, 0, tzinfo=SHANGHAI))
    enterprise = await _own_enterprise(system)
    url = f"/api/v1/hazards/enterprises/{enterprise['id']}/self-checks"
    regulator = await system.login("deqing-yjj")
    before = (await system.client.get("/api/v1/hazards/self-checks/missing", headers=regulator)).json()
    assert enterprise["id"] in {entry["enterprise_id"] for entry in before}
    assert all(entry["region_code"].startswith("330521") for entry in before)

    logged = await system.client.post(url, json=CHECK, headers=await system.login("demo-enterprise"))
    future = await system.client.post(
        url, json=CHECK | {"checked_on": "2024-10-01"}, headers=await system.login("demo-enterprise")
    )

    assert logged.status_code == 201, logged.text
    assert (future.status_code, future.json()["errors"][0]["field"]) == (422, "/checked_on")
    after = (await system.client.get("/api/v1/hazards/self-checks/missing", headers=regulator)).json()
    assert enterprise["id"] not in {entry["enterprise_id"] for entry in after}
    history = (await system.client.get(url, headers=regulator)).json()
    assert history[0]["led_by"] == "王强（总经理）"


async def test_a_missed_period_is_reported_once_and_reaches_the_board(embedded):
    embedded.clock.freeze(datetime(2024, 10, 8, 9, 0, tzinfo=SHANGHAI))  # 2024-Q3 and 2024-09 are over
    runtime = embedded.dispatcher.apps["/api/v1/hazards"].state.runtime

    async with runtime.unit_of_work() as session:
        first = await report_missed(session, runtime, runtime.clock.now())
    async with runtime.unit_of_work() as session:
        again = await report_missed(session, runtime, runtime.clock.now())

    assert first > 0 and again == 0
    headers = await embedded.login("deqing-yjj")

    async def missed_on_board():
        query = {"limit": 500, "overdue": "true"}
        items = (await embedded.client.get("/api/v1/notify/deadlines", params=query, headers=headers)).json()["items"]
        return [i for i in items if i["item_type"] == "self_check" and i["title"].startswith(("2024-Q3", "2024-09"))]

    async with asyncio.timeout(15):
        while not (missed := await missed_on_board()):  # noqa: ASYNC110 - waiting for the outbox relay
            await asyncio.sleep(0.2)
    assert all(item["overdue"] and item["region_code"].startswith("330521") for item in missed)
