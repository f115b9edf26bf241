"""What waits for me: ``actionable_by=me`` on the lists a clerk works from (hazards, tip-offs,
returns) finds exactly the items whose ``allowed_actions`` for the caller are not empty —
filtered in the database, so pages and totals count only those — and the vocabulary the pages
show instead of codes."""

import secrets
from datetime import timedelta

import pytest
import tipoff_flow
from hazard_flow import MAJOR_TRADE, H, HazardFlow, at

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

HAZARDS, RETURNS, TIP_OFFS = f"{H}/hazards", f"{H}/returns", tipoff_flow.TIP_OFFS
# Whose lists are held to their items' allowed_actions: departments of a county and of its city,
# a town, the 安委办 of both levels, an operator, an enterprise (hazards only).
STAFF = ("deqing-yjj", "deqing-zjj", "huzhou-yjj", "huzhou-ajb", "deqing-ajb", "xinshi-town", "deqing-12345")


async def _all(system, url: str, headers: dict, **params) -> tuple[list[dict], int]:
    """Every item of the list, page by page (small pages, so keyset paging is exercised), and the
    total the first page announced."""
    items, after, total = [], None, None
    while True:
        query = {"limit": 200, **params} | ({"after": after} if after else {})
        response = await system.client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        total = page["total"] if total is None else total
        items += page["items"]
        if not (after := page["next_after"]):
            return items, total


async def _waiting(system, url: str, username: str, flow: HazardFlow | None = None) -> set[int]:
    """The caller's work list, checked against the unfiltered list: the same items as those with
    allowed actions, and a total that counts exactly them."""
    headers = await (flow.headers(username) if flow else system.login(username))
    everything, _ = await _all(system, url, headers)
    mine, total = await _all(system, url, headers, actionable_by="me")
    assert {item["id"] for item in mine} == {item["id"] for item in everything if item["allowed_actions"]}, username
    assert total == len(mine) and all(item["allowed_actions"] for item in mine)
    return {item["id"] for item in mine}


async def test_a_county_regulator_finds_the_hazards_and_tip_offs_waiting_for_their_department(system):
    flow = HazardFlow(system)
    _, deqing_admin = await flow.enterprise("deqing-yjj", "330521102")
    _, wuxing_admin = await flow.enterprise("wuxing-yjj", "330502001")
    found = at(2024, 9, 2).isoformat()
    body = {"title": "粉尘除尘系统未接地", "description": "除尘器未做防静电接地", "grade": "general", "found_at": found}
    pending = (await flow.ok("POST", HAZARDS, deqing_admin, body))["id"]  # waits for 德清县应急管理局
    elsewhere = (await flow.ok("POST", HAZARDS, wuxing_admin, body))["id"]  # waits for 吴兴区应急管理局
    with_enterprise = (await flow.ok("POST", HAZARDS, deqing_admin, body | MAJOR_TRADE))["id"]
    await flow.act(with_enterprise, "confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕88号"})
    today = system.clock.now().astimezone(SHANGHAI).date()
    await flow.act(with_enterprise, "list", "deqing-yjj", {
        "notice_no": f"〔{today.year}〕{secrets.randbelow(9000) + 1000}号", "listed_on": today.isoformat(),
        "deadline": (today + timedelta(days=180)).isoformat(),
        "measures": "限期整改", "responsible_unit": "测试企业", "responsible_person": "周平",
        "supervising_department_id": await flow.department("330521"),
    })  # fmt: skip  # now the enterprise submits its plan
    receipt = await tipoff_flow.submit(system)  # routed to 德清县应急管理局, to sign
    tip_off = await tipoff_flow.tip_off_id(system, receipt, await system.login("deqing-yjj"))

    hazards = await _waiting(system, HAZARDS, "deqing-yjj")
    assert pending in hazards and elsewhere not in hazards and with_enterprise not in hazards
    assert tip_off in await _waiting(system, TIP_OFFS, "deqing-yjj")
    assert pending not in await _waiting(system, HAZARDS, "deqing-zjj")  # 住建局: not its industry
    assert tip_off not in await _waiting(system, TIP_OFFS, "deqing-zjj")
    assert elsewhere in await _waiting(system, HAZARDS, "wuxing-yjj")
    assert with_enterprise in await _waiting(system, HAZARDS, deqing_admin, flow)
    assert pending not in await _waiting(system, HAZARDS, deqing_admin, flow)

    # One page at a time, the total stays the number of items waiting.
    first = (
        await system.client.get(
            HAZARDS, params={"actionable_by": "me", "limit": 1}, headers=await system.login("deqing-yjj")
        )
    ).json()
    assert len(first["items"]) == 1 and first["total"] == len(hazards)


async def test_every_work_list_is_exactly_the_items_with_allowed_actions(system):
    """Whoever asks, in whatever state the demo and earlier tests left the items."""
    for username in STAFF:
        await _waiting(system, HAZARDS, username)
        await _waiting(system, TIP_OFFS, username)
        if username != "deqing-12345":  # returns are the departments' and the 安委办's
            await _waiting(system, RETURNS, username)
    await _waiting(system, HAZARDS, "demo-enterprise")


async def test_only_me_is_understood(system):
    headers = await system.login("deqing-yjj")
    for url in (HAZARDS, TIP_OFFS, RETURNS):
        response = await system.client.get(url, params={"actionable_by": "deqing-zjj"}, headers=headers)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["errors"][0]["field"] == "/actionable_by" and "me" in problem["errors"][0]["message"]


async def test_the_vocabulary_names_every_code_in_chinese(system):
    hazards = (await system.client.get(f"{H}/vocabulary")).json()
    states = {term["code"]: term["title"] for term in hazards["hazard_states"]}
    assert states["rectifying"] == "整改中" and next(iter(states)) == "reported"
    assert {term["code"] for term in hazards["grades"]} == {"general", "major"}
    assert {term["title"] for term in hazards["sources"]} >= {"企业自查自报"}
    assert "close" in {term["code"] for term in hazards["hazard_actions"]}
    reports = (await system.client.get("/api/v1/reports/vocabulary")).json()
    assert {term["code"]: term["title"] for term in reports["tip_off_states"]}["received"] == "已接收（待签收）"
    assert {term["code"] for term in reports["categories"]} == {
        "major_hazard", "general_hazard", "illegal_act", "concealed_accident"
    }  # fmt: skip


async def test_the_tip_off_list_narrows_by_industry_enterprise_and_receipt_window(system):
    receipt = await tipoff_flow.submit(system)  # 工贸, against the demo enterprise
    headers = await system.login("deqing-yjj")
    tip_off = await tipoff_flow.tip_off_id(system, receipt, headers)
    received = next(t for t in await tipoff_flow.tip_offs(system, headers) if t["id"] == tip_off)["received_at"]
    finds = {
        (("industry", "industry_trade"),): True,
        (("industry", "construction"),): False,
        (("enterprise_code", tipoff_flow.ENTERPRISE),): True,
        (("enterprise_code", "91330521MA2B3C4D9X"),): False,
        (("received_after", received), ("received_before", "2099-01-01T00:00:00+08:00")): True,
        (("received_before", received),): False,  # the window's end is excluded
    }
    for params, found in finds.items():
        items, total = await _all(system, TIP_OFFS, headers, **dict(params))
        assert (tip_off in {item["id"] for item in items}) is found, params
        assert total == len(items)
