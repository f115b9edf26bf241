"""督办 acts as records (issue 20, acceptance 1): a batch 催办 on a county's overdue hazards reaches
each enterprise and goes on each hazard's trail; a 约谈 with two commitments creates two deadlines
that get their reminders; 通报 are numbered per issuer and year. (The ladder's own 约谈 record is
shown in test_reminders.py.)"""

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from tipoff_flow import until

from qingling.clock import SHANGHAI

H = "/api/v1/hazards"
SUPERVISION = "/api/v1/notify/supervision"
DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=SHANGHAI)


async def _post(system, url: str, who: str, body: dict | None = None, status: int = 200) -> dict:
    response = await system.client.post(url, json=body, headers=await system.login(who))
    assert response.status_code == status, response.text
    return response.json()


async def _get(system, url: str, who: str, **params) -> dict | list:
    response = await system.client.get(url, params=params, headers=await system.login(who))
    assert response.status_code == 200, response.text
    return response.json()


async def _board(system, who: str, **params) -> list[dict]:
    """Every row of the deadline board, following the pages (a shared system's board holds more
    than a page: a bulk report's thousand hazards)."""
    rows, after = [], None
    while True:
        query = {"limit": 500, **params} | ({"after": after} if after else {})
        page = await _get(system, "/api/v1/notify/deadlines", who, **query)
        rows += page["items"]
        if not (after := page["next_after"]):
            return rows


async def _general_hazard(system, enterprise_id: int, title: str, deadline: str) -> int:
    report = {
        "enterprise_id": enterprise_id, "title": title, "description": f"{title}：检查发现，须限期整改",
        "grade": "general", "found_at": "2025-06-02T09:00:00+08:00",
    }  # fmt: skip
    hazard = await _post(system, f"{H}/hazards", "deqing-yjj", report, 201)
    order = {"measures": "限期整改", "responsible_person": "王强", "funds": "企业自筹 1 万元", "acceptor": "李明",
             "deadline": deadline}  # fmt: skip
    await _post(system, f"{H}/hazards/{hazard['id']}/accept_general", "deqing-yjj", order)
    return hazard["id"]


async def _on_board(system, hazard: int) -> None:
    async def tracked():
        board = await _board(system, "deqing-ajb", region_prefix="330521")
        mine = [i for i in board if i["item_type"] == "hazard" and i["item_id"] == hazard]
        return (mine and mine[0]["deadline_at"]) or None  # the order's deadline, not only the report, has arrived

    await until(tracked)


async def _pdf_text(system, act: int, who: str) -> str:
    """The act's document as its text layer reads back, without the layout's spaces and breaks."""
    response = await system.client.get(f"{SUPERVISION}/acts/{act}/document", headers=await system.login(who))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", response.text
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


async def _history_actions(system, hazard: int) -> list[str]:
    return [entry["action"] for entry in await _get(system, f"{H}/hazards/{hazard}/history", "deqing-ajb")]


@pytest.mark.asyncio
async def test_a_batch_urge_on_a_countys_overdue_hazards_reaches_each_enterprise_and_each_hazards_trail(system):
    system.clock.freeze(at(6, 2))
    found = await _get(system, f"{H}/enterprises", "deqing-yjj", region_prefix="330521", industry="industry_trade")
    ids = {e["credit_code"]: e["id"] for e in found["items"]}
    other = next(code for code in ids if code != DEMO_ENTERPRISE)
    hazards = {
        DEMO_ENTERPRISE: await _general_hazard(system, ids[DEMO_ENTERPRISE], "配电箱未接地", "2025-06-10"),
        other: await _general_hazard(system, ids[other], "消防通道堆放杂物", "2025-06-12"),
    }
    for hazard in hazards.values():
        await _on_board(system, hazard)

    # Another county's department, and a department of another kind, cannot 催办 these hazards.
    urge = {"items": [{"item_type": "hazard", "item_id": hazards[other]}], "text": "请立即整改"}
    system.clock.freeze(at(6, 16))
    for who in ("wuxing-yjj", "deqing-zjj"):
        refused = await _post(system, f"{SUPERVISION}/urges", who, urge, 404)
        assert refused["code"] == "supervision-items-not-found" and refused["errors"][0]["field"] == "/items/0"
    assert (await _post(system, f"{SUPERVISION}/urges", "demo-enterprise", urge, 403))["code"] == "role-not-allowed"

    # The county's 安委办 urges every overdue hazard of the county at once.
    batch = {
        "selection": {"item_type": "hazard", "region_prefix": "330521"}, "reply_by": "2025-06-20",
        "issuer_name": "德清县安全生产委员会办公室", "text": "以下隐患已超过整改期限，请立即整改并书面回复。",
    }  # fmt: skip
    act = await _post(system, f"{SUPERVISION}/urges", "deqing-ajb", batch, 201)
    assert (act["kind"], act["kind_title"], act["state"], act["issuer"]) == (
        "urge",
        "催办",
        "issued",
        "committee:330521",
    )
    named = {(p["item_id"], p["address"]) for p in act["parties"]}
    for code, hazard in hazards.items():
        assert {(hazard, f"enterprise:{code}"), (hazard, "department:330521:emergency")} <= named

    for code in hazards:  # each enterprise reads it in its inbox — the demo one as a user, the other as staff see
        if code == DEMO_ENTERPRISE:
            inbox = await _get(system, "/api/v1/notify/inbox", "demo-enterprise", limit=500)
            message = next(m for m in inbox["items"] if m["item_type"] == "supervision" and m["item_id"] == act["id"])
            assert message["title"].startswith("催办：") and "德清县安全生产委员会办公室" in message["text"]
    for code, hazard in hazards.items():
        log = await _get(system, "/api/v1/notify/deliveries", "deqing-ajb", item_type="hazard", item_id=hazard)
        assert any(e["step"] == "urge" and e["recipient"] == f"enterprise:{code}" for e in log)

    async def on_trails():
        trails = [await _history_actions(system, hazard) for hazard in hazards.values()]
        return all("supervision.urge.issue" in actions for actions in trails) or None

    await until(on_trails)
    listed = await _get(system, f"{SUPERVISION}/acts", "deqing-yjj", item_type="hazard", item_id=hazards[other])
    assert act["id"] in {a["id"] for a in listed["items"]}

    # The enterprise sees the act with its own part only, and replies once; the 安委办 is told.
    seen = await _get(system, f"{SUPERVISION}/acts/{act['id']}", "demo-enterprise")
    assert {p["enterprise_code"] for p in seen["parties"]} == {DEMO_ENTERPRISE}
    system.clock.freeze(at(6, 18))
    reply = {"text": "已完成配电箱接地整改，附检测报告。"}
    replied = await _post(system, f"{SUPERVISION}/acts/{act['id']}/replies", "demo-enterprise", reply)
    answered = {p["item_id"]: p["reply"] for p in replied["parties"]}  # every overdue hazard of its own, answered
    assert answered[hazards[DEMO_ENTERPRISE]] == reply["text"] and set(answered.values()) == {reply["text"]}
    again = await _post(system, f"{SUPERVISION}/acts/{act['id']}/replies", "demo-enterprise", reply, 409)
    assert again["code"] == "already-replied"
    committee = await _get(system, "/api/v1/notify/inbox", "deqing-ajb", limit=500)
    assert any(m["kind"] == "reply" and m["item_id"] == act["id"] for m in committee["items"])
    elsewhere = await system.client.get(f"{SUPERVISION}/acts/{act['id']}", headers=await system.login("juxian-yjj"))
    assert elsewhere.status_code == 404


@pytest.mark.asyncio
async def test_an_interview_records_both_sides_and_its_two_commitments_become_deadlines_with_reminders(system):
    system.clock.freeze(at(6, 3))
    found = await _get(system, f"{H}/enterprises", "deqing-yjj", region_prefix="330521", industry="industry_trade")
    enterprise = next(e for e in found["items"] if e["credit_code"] == DEMO_ENTERPRISE)
    hazard = await _general_hazard(system, enterprise["id"], "除尘系统未接地", "2025-06-06")
    await _on_board(system, hazard)
    people = {
        "interviewers": [{"name": "陈晓东", "position": "湖州市安委办副主任"}],
        "interviewees": [{"name": "王强", "position": "企业主要负责人"}],
        "issues": ["隐患超期未整改", "安全管理人员配备不足"],
    }
    interview = {
        "issuer_name": "湖州市安全生产委员会办公室", "place": "湖州市应急管理局三楼会议室",
        "interviewee": {"kind": "enterprise", "region_code": "330521", "enterprise_code": DEMO_ENTERPRISE,
                        "name": enterprise["name"]},
        "items": [{"item_type": "hazard", "item_id": hazard}], "scheduled_for": "2025-06-12T14:30:00+08:00", **people,
    }  # fmt: skip
    outside = {**interview, "interviewee": {**interview["interviewee"], "region_code": "371122"}}
    assert (await _post(system, f"{SUPERVISION}/interviews", "deqing-ajb", outside, 403))[
        "code"
    ] == "party-outside-jurisdiction"
    act = await _post(system, f"{SUPERVISION}/interviews", "huzhou-ajb", interview, 201)
    assert (act["state"], act["interview"]["place"]) == ("scheduled", "湖州市应急管理局三楼会议室")
    inbox = await _get(system, "/api/v1/notify/inbox", "demo-enterprise", limit=500)
    notice = next(m for m in inbox["items"] if m["item_type"] == "supervision" and m["item_id"] == act["id"])
    assert notice["title"].startswith("约谈：约谈通知") and "2025年06月12日 14:30" in notice["text"]

    notice_pdf = await _pdf_text(system, act["id"], "huzhou-ajb")
    assert "约谈通知书" in notice_pdf and "湖州市应急管理局三楼会议室" in notice_pdf
    system.clock.freeze(at(6, 12, 16))
    held = await _post(system, f"{SUPERVISION}/acts/{act['id']}/hold", "huzhou-ajb", {
        "held_at": "2025-06-12T14:30:00+08:00", **people, "minutes": "企业主要负责人作出说明并承诺限期整改。",
        "commitments": [
            {"content": "完成除尘系统接地改造并检测", "due_on": "2025-06-30"},
            {"content": "配齐两名专职安全管理人员", "due_on": "2025-07-15"},
        ],
    })  # fmt: skip
    assert held["state"] == "held" and [c["content"] for c in held["commitments"]] == [
        "完成除尘系统接地改造并检测", "配齐两名专职安全管理人员",
    ]  # fmt: skip
    first, second = held["commitments"]
    record = await _pdf_text(system, act["id"], "demo-enterprise")  # 约谈记录: the record's own words
    for words in ("约谈记录", "湖州市安全生产委员会办公室", "王强（企业主要负责人）", "安全管理人员配备不足",
                  "完成除尘系统接地改造并检测（2025年6月30日前完成）", "配齐两名专职安全管理人员"):  # fmt: skip
        assert words in record, words
    for commitment, urge_on in ((first, "2025-07-01"), (second, "2025-07-16")):
        reminders = await _get(
            system, "/api/v1/notify/reminders", "huzhou-ajb", item_type="commitment", item_id=commitment["id"]
        )  # fmt: skip
        assert {r["step"]: r["due_at"][:10] for r in reminders}["urge"] == urge_on
    board = await _board(system, "demo-enterprise")
    assert {i["item_id"] for i in board if i["item_type"] == "commitment"} >= {first["id"], second["id"]}

    # The first falls due unkept: the enterprise is urged. The second is kept: its reminders stop.
    fulfilled = {"note": "现场核实，两名专职安全管理人员已到岗"}
    await _post(system, f"{SUPERVISION}/commitments/{second['id']}/fulfil", "demo-enterprise", fulfilled, 403)
    done = await _post(system, f"{SUPERVISION}/commitments/{second['id']}/fulfil", "huzhou-ajb", fulfilled)
    assert done["commitments"][1]["fulfilled_at"] is not None
    system.clock.freeze(at(7, 1))

    async def urged():
        inbox = await _get(system, "/api/v1/notify/inbox", "demo-enterprise", limit=500)
        return [m for m in inbox["items"] if m["item_type"] == "commitment" and m["item_id"] == first["id"]] or None

    [message] = [m for m in await until(urged) if m["title"] == "约谈承诺逾期催办"]
    assert "完成除尘系统接地改造并检测" in message["text"]
    kept = await _get(system, "/api/v1/notify/reminders", "huzhou-ajb", item_type="commitment", item_id=second["id"])
    assert {r["state"] for r in kept} == {"cancelled"}

    async def on_trail():
        actions = await _history_actions(system, hazard)
        return {"supervision.interview.schedule", "supervision.interview.hold"} <= set(actions) or None

    await until(on_trail)


@pytest.mark.asyncio
async def test_bulletins_are_numbered_per_issuer_and_year_and_name_only_what_lies_in_the_issuers_reach(system):
    system.clock.freeze(at(8, 4))
    bulletin = {
        "issuer_name": "德清县安全生产委员会办公室", "number_prefix": "德安委办",
        "title": "关于 2025 年 7 月隐患整改情况的通报", "text": "新市镇整改率排名末位，予以通报。",
        "basis": "2025年7月隐患整改排名",
        "parties": [{"kind": "department", "region_code": "330521102", "department": "town_office", "name": "新市镇"}],
    }  # fmt: skip
    first = await _post(system, f"{SUPERVISION}/bulletins", "deqing-ajb", bulletin, 201)
    second = await _post(system, f"{SUPERVISION}/bulletins", "deqing-ajb", {**bulletin, "title": "第二期通报"}, 201)
    year, seq = first["number"].removeprefix("德安委办〔").removesuffix("号").split("〕")
    assert year == "2025" and second["number"] == f"德安委办〔2025〕{int(seq) + 1}号"
    text = await _pdf_text(system, second["id"], "deqing-ajb")
    for words in (second["number"], "第二期通报", "新市镇整改率排名末位，予以通报。", "依据：2025年7月隐患整改排名"):
        assert words in text, words
    letter = await _post(system, f"{SUPERVISION}/letters", "deqing-ajb", bulletin, 201)
    assert letter["kind_title"] == "函告" and letter["number"].startswith("德安委办〔2025〕")  # its own sequence
    assert letter["number"] in await _pdf_text(system, letter["id"], "xinshi-town")  # the office named reads it too
    town = await _get(system, "/api/v1/notify/inbox", "xinshi-town", limit=500)
    assert any(m["item_id"] == first["id"] for m in town["items"] if m["item_type"] == "supervision")
    # A department names no other kind's office nor a government; nobody what lies beyond their jurisdiction.
    refused = await _post(system, f"{SUPERVISION}/bulletins", "deqing-yjj", bulletin, 403)
    assert refused["code"] == "party-outside-jurisdiction" and refused["errors"][0]["field"] == "/parties/0"
    far = {**bulletin, "parties": [{"kind": "region", "region_code": "330502", "name": "吴兴区"}]}
    assert (await _post(system, f"{SUPERVISION}/bulletins", "deqing-ajb", far, 403))[
        "code"
    ] == "party-outside-jurisdiction"
