"""Who decides each step of a tip-off and its reward — the department the rules name, not anyone
in the county — and where a case may be handed: within the jurisdiction or up a level; a wrong
place corrected across counties says so on the trail and waits for the receiving department to
sign; the department that handed a case on still reads it (the 404 a clerk found must not recur)."""

import pytest
from tipoff_flow import (
    FINDING,
    FINE_40000,
    MONDAY,
    REPLY,
    REWARDS,
    TIP_OFFS,
    act,
    linked,
    submit,
    tip_off_id,
    until,
)

pytestmark = pytest.mark.asyncio

OUTSIDERS = {  # who is refused each of the lead department's steps, and how
    "deqing-zjj": (403, "not-the-authority"),  # 德清县住建局: another department of the same county
    "xinshi-town": (403, "not-the-authority"),  # 新市镇: towns inspect and assist, never decide
    "huzhou-ajb": (403, "role-not-allowed"),  # 湖州市安委办: oversees, does not handle
    "demo-enterprise": (403, "role-not-allowed"),  # the reported enterprise, least of all
    "wuxing-yjj": (404, "tip-off-not-found"),  # another county: not even there
}


async def _refused_to_outsiders(system, number: int, action: str, body: dict | None = None) -> None:
    for account, (status, code) in OUTSIDERS.items():
        answer = await system.client.post(
            f"{TIP_OFFS}/{number}/{action}", json=body, headers=await system.login(account)
        )
        assert (answer.status_code, answer.json()["code"]) == (status, code), (account, action, answer.text)
        if code == "not-the-authority":
            assert "德清县应急管理局" in answer.json()["detail"], answer.json()  # the body that decides, by name


async def _get(system, headers: dict, number: int):
    return await system.client.get(f"{TIP_OFFS}/{number}", headers=headers)


async def test_each_step_of_an_emergency_case_is_the_lead_departments_and_the_extension_the_level_aboves(embedded):
    embedded.clock.freeze(MONDAY)
    receipt = await submit(  # in 新市镇, whose town office sees it and helps verify, but decides nothing
        embedded, category="illegal_act", enterprise_code=None, enterprise_name="某陶瓷厂", region_code="330521102"
    )
    lead = await embedded.login("deqing-yjj")
    number = await tip_off_id(embedded, receipt, lead)
    request = {"days": 20, "reason": "需委托检测机构出具报告"}
    for action, body in (("sign", None), ("accept", None), ("request_extension", request)):
        await _refused_to_outsiders(embedded, number, action, body)
        await act(embedded, lead, number, action, body)

    for account in ("deqing-yjj", "deqing-zjj", "xinshi-town"):  # not the lead itself, nor beside or below it
        answer = await embedded.client.post(
            f"{TIP_OFFS}/{number}/grant_extension", json={"reason": "同意"}, headers=await embedded.login(account)
        )
        assert (answer.status_code, answer.json()["authority"]) == (403, "level_above"), account
    granted = await act(embedded, await embedded.login("huzhou-yjj"), number, "grant_extension", {"reason": "同意"})
    assert (granted["extension_decision"], granted["extension_decided_by"]) == ("granted", "湖州市应急管理局")
    assert granted["extension_days"] == 20

    finding = {
        "outcome": "true",
        "findings": "现场核查：确有违规动火作业",
        "illegal_act": {"case_no": "德应急立〔2024〕9号", "fine_yuan": 40_000},
    }
    for action, body in (("conclude", finding), ("reply", REPLY), ("close", None)):
        await _refused_to_outsiders(embedded, number, action, body)
        await act(embedded, lead, number, action, body)
    closed = (await _get(embedded, lead, number)).json()
    assert (closed["state"], closed["outcome"], closed["accepted_by_department"]) == (
        "closed",
        "true",
        "德清县应急管理局",
    )
    trail = (await embedded.client.get(f"{TIP_OFFS}/{number}/history", headers=lead)).json()
    acting = {e["action"]: e["payload"].get("acting_department") for e in trail}
    assert (acting["accept"], acting["grant_extension"]) == ("德清县应急管理局", "湖州市应急管理局")


async def test_a_reward_is_decided_told_and_paid_only_by_the_accepting_department(embedded):
    embedded.clock.freeze(MONDAY)
    receipt = await submit(embedded, reporter={"name": "王五", "phone": "13900001111"})
    lead, leader = await embedded.login("deqing-yjj"), await embedded.login("deqing-yjj-leader")
    number = await tip_off_id(embedded, receipt, lead)
    for action, body in (("sign", None), ("accept", None), ("conclude", FINDING), ("reply", REPLY)):
        await act(embedded, lead, number, action, body)
    await until(lambda: linked(embedded, receipt))
    housing = await embedded.login("deqing-zjj")
    by_housing = await embedded.client.post(f"{TIP_OFFS}/{number}/reward", json=FINE_40000, headers=housing)
    assert (by_housing.status_code, by_housing.json()["code"]) == (403, "paying-department-only")
    reward = (await embedded.client.post(f"{TIP_OFFS}/{number}/reward", json=FINE_40000, headers=lead)).json()

    other_leader = await embedded.login("deqing-zjj-leader")  # a department head, of the wrong department
    refused = await embedded.client.post(f"{REWARDS}/{reward['id']}/decide", json={}, headers=other_leader)
    assert (refused.status_code, refused.json()["code"]) == (403, "not-the-authority")
    assert "德清县应急管理局负责人审批" in refused.json()["detail"]
    for account, code in (("huzhou-ajb", "role-not-allowed"), ("demo-enterprise", "role-not-allowed")):
        answer = await embedded.client.post(
            f"{REWARDS}/{reward['id']}/decide", json={}, headers=await embedded.login(account)
        )
        assert (answer.status_code, answer.json()["code"]) == (403, code), account
    seen = {
        who: (await embedded.client.get(f"{REWARDS}/{reward['id']}", headers=headers)).json()["allowed_actions"]
        for who, headers in (("leader", leader), ("handler", lead), ("other leader", other_leader))
    }
    assert seen == {"leader": ["decide", "decline"], "handler": [], "other leader": []}

    decided = (await embedded.client.post(f"{REWARDS}/{reward['id']}/decide", json={}, headers=leader)).json()
    assert decided["allowed_actions"] == ["notify"]  # the leader is of the paying department too
    by_other = await embedded.client.post(f"{REWARDS}/{reward['id']}/notify", headers=housing)
    assert (by_other.status_code, by_other.json()["authority"]) == (403, "paying")


async def test_allowed_actions_are_the_callers_own(embedded):
    embedded.clock.freeze(MONDAY)
    receipt = await submit(embedded)
    lead = await embedded.login("deqing-yjj")
    number = await tip_off_id(embedded, receipt, lead)
    await act(embedded, lead, number, "sign")

    allowed = {
        account: (await _get(embedded, await embedded.login(account), number)).json()["allowed_actions"]
        for account in ("deqing-yjj", "deqing-zjj", "huzhou-yjj", "huzhou-ajb", "huzhou-custodian")
    }

    assert set(allowed["deqing-yjj"]) == {"transfer", "relocate", "merge", "accept", "refuse", "hand_over"}
    assert set(allowed["huzhou-yjj"]) == {"transfer", "relocate", "take_over"}  # the level above
    assert allowed["deqing-zjj"] == allowed["huzhou-ajb"] == allowed["huzhou-custodian"] == []


async def test_a_case_is_transferred_within_the_county_or_up_a_level_never_sideways_into_another_province(system):
    system.clock.freeze(MONDAY)
    receipt = await submit(system, enterprise_code=None, enterprise_name="某建筑工地", industry="construction")
    assert receipt["routed_to"] == "德清县住房和城乡建设局"
    housing, emergency = await system.login("deqing-zjj"), await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, housing)

    not_its_case = await system.client.post(
        f"{TIP_OFFS}/{number}/transfer",
        json={"industry": "industry_trade", "reason": "应由应急局办理"},
        headers=emergency,
    )
    sideways = await system.client.post(
        f"{TIP_OFFS}/{number}/transfer",
        json={"industry": "construction", "region_code": "371122", "reason": "转莒县办理"},
        headers=housing,
    )
    assert (not_its_case.status_code, not_its_case.json()["code"]) == (403, "not-the-authority")
    assert "德清县住房和城乡建设局" in not_its_case.json()["detail"]
    assert (sideways.status_code, sideways.json()["code"]) == (422, "transfer-outside-jurisdiction")
    assert sideways.json()["errors"][0]["field"] == "/region_code" and "更正事发地" in sideways.json()["detail"]
    unchanged = (await _get(system, housing, number)).json()
    assert (unchanged["region_code"], unchanged["lead_department"]) == ("330521", "德清县住房和城乡建设局")

    up = {"industry": "construction", "to_level_above": True, "reason": "涉及全市多个工地，提请市局办理"}
    passed = await act(system, housing, number, "transfer", up)
    assert (passed["state"], passed["lead_department"]) == ("received", "湖州市住房和城乡建设局")
    assert passed["handled_by"][0]["department"] == "德清县住房和城乡建设局" and passed["allowed_actions"] == []
    history = await system.client.get(f"{TIP_OFFS}/{number}/history", headers=housing)  # still readable
    transfer = next(e for e in history.json() if e["action"] == "transfer")
    assert (transfer["payload"]["from_department"], transfer["payload"]["to_department"]) == (
        "德清县住房和城乡建设局",
        "湖州市住房和城乡建设局",
    )


async def test_a_wrong_place_corrected_to_another_province_is_signed_for_there_and_still_read_by_the_county(system):
    system.clock.freeze(MONDAY)
    receipt = await submit(system)
    deqing = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, deqing)
    await act(system, deqing, number, "sign")
    housing = await system.login("deqing-zjj")
    correction = {"region_code": "371122", "reason": "经电话核实，事发地在山东省莒县"}
    by_housing = await system.client.post(f"{TIP_OFFS}/{number}/relocate", json=correction, headers=housing)
    assert (by_housing.status_code, by_housing.json()["code"]) == (403, "not-the-authority")

    moved = await act(system, deqing, number, "relocate", correction)

    assert (moved["state"], moved["region_code"], moved["lead_department"]) == ("received", "371122", "莒县应急管理局")
    assert moved["allowed_actions"] == []  # 德清 reads it, no longer decides
    trail = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=deqing)).json()
    relocation = trail[-1]
    assert relocation["action"] == "relocate" and relocation["reason"] == correction["reason"]
    assert (
        relocation["payload"].items()
        >= {
            "from_region_code": "330521001",  # the registered enterprise's town
            "to_region_code": "371122",
            "outside_jurisdiction": True,
            "from_department": "德清县应急管理局",
            "to_department": "莒县应急管理局",
            "acting_department": "德清县应急管理局",
        }.items()
    )
    for path in ("", "/history", "/media", "/messages"):  # the handing department keeps read access
        assert (await system.client.get(f"{TIP_OFFS}/{number}{path}", headers=deqing)).status_code == 200, path
    refused = await system.client.post(f"{TIP_OFFS}/{number}/sign", headers=deqing)
    assert (refused.status_code, refused.json()["code"]) == (403, "not-the-authority")
    assert "莒县应急管理局" in refused.json()["detail"]

    juxian = await system.login("juxian-yjj")
    assert (await _get(system, juxian, number)).json()["allowed_actions"][:1] == ["sign"]
    signed = await act(system, juxian, number, "sign")
    assert signed["state"] == "signed"
    assert (await _get(system, deqing, number)).json()["state"] == "signed"  # no 404 for 德清 either
    assert (
        await system.client.get(f"{TIP_OFFS}/{number}", headers=await system.login("wuxing-yjj"))
    ).status_code == 404
