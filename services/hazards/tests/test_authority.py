"""Who decides each hazard action (README "Who decides: authority by department", issue 16):
the supervising department of the hazard's industry and place, the lister, the enterprise — never
"anyone in the county". A wrong department (德清县住建局), a town office (新市镇), the 安委办 and the
enterprise are refused where the table says so, with the body named; the allowed actions are the
caller's own."""

import io
import secrets
from datetime import datetime

import pytest
from openpyxl import Workbook

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
MAJOR = {
    "title": "粉尘涉爆除尘系统未设置锁气卸灰装置",
    "description": "抛光车间干式除尘器未设置锁气卸灰装置，积尘未及时清理",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第四条(二)",
    "tags": ["dust_explosion"],
    "found_at": "2024-09-02T08:30:00+08:00",
    "report": {"condition": "除尘器灰斗积尘", "harm": "可能引发粉尘爆炸，需停产改造", "plan": "加装锁气卸灰装置"},
}
PLAN = {
    "goals": "消除除尘系统粉尘爆炸隐患",
    "measures": "加装锁气卸灰装置，建立清灰制度",
    "funds_and_materials": "投入资金 8 万元",
    "people": "总经理负总责，设备部具体负责",
    "time_limit": "2024 年 9 月 25 日前完成",
    "safety_measures": "改造期间停止抛光作业，制定粉尘爆炸应急预案",
}
COMPLETION = {"summary": "已加装锁气卸灰装置", "evaluated_by": "in_house_experts", "evaluation": "隐患已消除"}
WRONG_DEPARTMENT, TOWN, COMMITTEE, ENTERPRISE = "deqing-zjj", "xinshi-town", "huzhou-ajb", "demo-enterprise"
COUNTY, CITY = "deqing-yjj", "huzhou-yjj"
NEW_PASSWORD = "Qingling#Test2024"
BODIES = {
    "reject": {"reason": "不属于重大隐患"},
    "return_for_correction": {"reason": "报告内容不全"},
    "regrade": {"grade": "general", "reason": "可立即整改"},
    "confirm_major": {"order_no": "德应急责改〔2024〕61号"},
    "return_plan": {"reason": "资金未落实"},
    "suspend_production": {"reason": "责令停产治理"},
    "grant_extension": {"reason": "同意延期"},
    "refuse_extension": {"reason": "理由不充分"},
    "pass_review": {"findings": "复核合格"},
    "fail_review": {"findings": "未整改到位"},
    "check_close_out": {"findings": "整改到位，同意销号"},
    "close": {"opinion": "同意销号"},
    "submit_plan": PLAN,
    "apply_completion": COMPLETION,
    "request_extension": {"requested_deadline": "2024-10-31", "reason": "设备到货延迟"},
}


async def _headers(system, username: str) -> dict[str, str]:
    return await system.login(username, *([NEW_PASSWORD] if username.startswith("made-") else []))


async def _act(system, hid: int, action: str, username: str, body: dict | None = None):
    body = body if body is not None else BODIES.get(action)
    return await system.client.post(
        f"/api/v1/hazards/hazards/{hid}/{action}", json=body, headers=await _headers(system, username)
    )


async def _ok(system, hid: int, action: str, username: str, body: dict | None = None) -> dict:
    response = await _act(system, hid, action, username, body)
    assert response.status_code == 200, response.text
    return response.json()


async def _get(system, hid: int, username: str) -> dict:
    response = await system.client.get(f"/api/v1/hazards/hazards/{hid}", headers=await system.login(username))
    assert response.status_code == 200, response.text
    return response.json()


async def _refused(system, hid: int, action: str, *usernames: str, naming: str | None = None) -> None:
    """Each of ``usernames`` is refused ``action`` (403), the hazard stays as it was, and an
    authority's refusal names the body by name, not by a code."""
    before = await _get(system, hid, COUNTY)
    for username in usernames:
        response = await _act(system, hid, action, username)
        assert response.status_code == 403, (username, action, response.text)
        problem = response.json()
        if problem["code"] == "not-the-authority":
            assert naming is not None and naming in problem["detail"], (username, action, problem["detail"])
            assert not any(code in problem["detail"] for code in ("330521", "330500")), problem["detail"]
            assert action not in problem["allowed_actions"]
        else:
            assert problem["code"] == "role-not-allowed", (username, action, problem)
    after = await _get(system, hid, COUNTY)
    assert (after["state"], after["updated_at"]) == (before["state"], before["updated_at"])


async def _department(system, region: str, kind: str = "emergency") -> int:
    listed = await system.client.get(
        "/api/v1/hazards/departments", params={"region_prefix": region, "kind": kind},
        headers=await system.login("admin"),
    )  # fmt: skip
    return next(d["id"] for d in listed.json()["items"] if d["region_code"] == region)


def _listing(notice_no: str, department_id: int) -> dict:
    return {
        "notice_no": notice_no, "listed_on": "2024-09-02", "deadline": "2024-09-30", "measures": "限期消除粉尘爆炸隐患",
        "responsible_unit": "德清示范企业", "responsible_person": "王强", "supervising_department_id": department_id,
    }  # fmt: skip


async def _reported(system, username: str = ENTERPRISE, **changes) -> dict:
    response = await system.client.post(
        "/api/v1/hazards/hazards", json=MAJOR | changes, headers=await system.login(username)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _to_review_passed(system, hid: int, supervising: str, enterprise: str = ENTERPRISE) -> None:
    """From listed: plan, rectification, completion and a passed review (by the supervising department)."""
    await _ok(system, hid, "submit_plan", enterprise)
    await _ok(system, hid, "accept_plan", supervising)
    await _ok(system, hid, "apply_completion", enterprise)
    await _ok(system, hid, "start_review", supervising)
    await _ok(system, hid, "pass_review", supervising)


async def _enterprise_account(system, credit_code: str) -> str:
    """An enterprise admin account for ``credit_code``, made by the county admin, its first password changed."""
    username, first = f"made-{secrets.token_hex(3)}", "Anquan#2024x"
    body = {"username": username, "password": first, "display_name": "新市镇企业安全管理员",
            "roles": ["enterprise_admin"], "enterprise_code": credit_code}  # fmt: skip
    created = await system.client.post(
        "/api/v1/identity/accounts", json=body, headers=await system.login("deqing-admin")
    )
    assert created.status_code == 201, created.text
    changed = await system.client.post(
        "/api/v1/identity/password",
        json={"username": username, "current_password": first, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    return username


async def test_the_housing_bureau_cannot_decide_an_industry_trade_hazard_the_emergency_bureau_supervises(system):
    """The clerk's and the attacker's scenario: every step of an 应急管理局-listed 工贸 hazard refused
    to 德清县住建局 (and to the 安委办 and the enterprise where the table says so)."""
    system.clock.freeze(MONDAY)
    hazard = await _reported(system)
    hid = hazard["id"]
    assert hazard["supervising_department"]["name"] == "德清县应急管理局"

    supervising = "德清县应急管理局"
    for action in ("confirm_major", "reject", "return_for_correction", "regrade"):
        await _refused(system, hid, action, WRONG_DEPARTMENT, COMMITTEE, ENTERPRISE, naming=supervising)
    await _ok(system, hid, "confirm_major", COUNTY)

    county = await _department(system, "330521")
    for username in (WRONG_DEPARTMENT, ENTERPRISE):
        response = await _act(system, hid, "list", username, _listing("〔2024〕61号", county))
        assert response.status_code == 403, response.text
    listed = await _ok(system, hid, "list", COUNTY, _listing("〔2024〕61号", county))
    assert listed["lister"] == {"region_code": "330521", "kind": "emergency", "name": "德清县应急管理局"}
    assert listed["listed_on"] == "2024-09-02"

    await _ok(system, hid, "submit_plan", ENTERPRISE)
    for action in ("accept_plan", "return_plan"):
        await _refused(system, hid, action, WRONG_DEPARTMENT, COMMITTEE, ENTERPRISE, naming=supervising)
    await _ok(system, hid, "accept_plan", COUNTY)

    for action in ("suspend_production", "resume_production"):
        await _refused(system, hid, action, WRONG_DEPARTMENT, COMMITTEE, ENTERPRISE, naming=supervising)
    await _refused(system, hid, "request_extension", WRONG_DEPARTMENT, COUNTY)  # the enterprise's own
    await _ok(system, hid, "request_extension", ENTERPRISE)
    for action in ("grant_extension", "refuse_extension"):
        await _refused(
            system, hid, action, WRONG_DEPARTMENT, CITY, COMMITTEE, ENTERPRISE, naming="挂牌督办机关德清县应急管理局"
        )
    granted = await _ok(system, hid, "grant_extension", COUNTY)
    assert (granted["extension_granted"], granted["deadline_at"]) == (True, "2024-10-31T23:59:59+08:00")

    await _ok(system, hid, "apply_completion", ENTERPRISE)
    await _refused(system, hid, "start_review", WRONG_DEPARTMENT, COMMITTEE, ENTERPRISE, naming=supervising)
    await _ok(system, hid, "start_review", COUNTY)
    for action in ("pass_review", "fail_review"):
        await _refused(system, hid, action, WRONG_DEPARTMENT, COMMITTEE, ENTERPRISE, naming=supervising)
    await _ok(system, hid, "pass_review", COUNTY)
    await _refused(system, hid, "check_close_out", WRONG_DEPARTMENT, CITY, COMMITTEE, ENTERPRISE, naming=supervising)
    await _ok(system, hid, "check_close_out", COUNTY)
    await _refused(
        system,
        hid,
        "close",
        WRONG_DEPARTMENT,
        CITY,
        COMMITTEE,
        ENTERPRISE,
        naming="销号须由挂牌督办机关德清县应急管理局作出",
    )
    assert (await _ok(system, hid, "close", COUNTY))["state"] == "closed"


async def test_a_town_office_records_but_does_not_confirm_list_or_close(system):
    system.clock.freeze(MONDAY)
    headers = await system.login(TOWN)
    enterprises = await system.client.get("/api/v1/hazards/enterprises", params={"limit": 100}, headers=headers)
    enterprise = next(e for e in enterprises.json()["items"] if e["industry"] == "industry_trade")
    assert enterprise["region_code"] == "330521102"
    hazard = await _reported(system, TOWN, enterprise_id=enterprise["id"])  # towns inspect and record
    hid = hazard["id"]
    assert (hazard["source"], hazard["supervising_department"]["name"]) == ("inspection", "德清县应急管理局")
    assert hazard["allowed_actions"] == []

    response = await _act(system, hid, "confirm_major", TOWN)
    assert (response.status_code, response.json()["code"]) == (403, "not-the-authority")
    assert response.json()["detail"].startswith("乡镇（街道）不能确认重大隐患，须由督办部门德清县应急管理局")
    await _refused(system, hid, "reject", TOWN, naming="德清县应急管理局")
    await _ok(system, hid, "confirm_major", COUNTY)

    county = await _department(system, "330521")
    by_town = await _act(system, hid, "list", TOWN, _listing("〔2024〕62号", county))
    assert (by_town.status_code, by_town.json()["code"]) == (403, "not-the-authority")
    assert "县级及以上" in by_town.json()["detail"]
    await _ok(system, hid, "list", COUNTY, _listing("〔2024〕62号", county))
    await _to_review_passed(system, hid, COUNTY, await _enterprise_account(system, enterprise["credit_code"]))
    await _ok(system, hid, "check_close_out", COUNTY)
    await _refused(system, hid, "close", TOWN, naming="销号须由挂牌督办机关德清县应急管理局作出")
    await _ok(system, hid, "close", COUNTY)


async def test_the_committee_does_not_close_for_another_lister_but_decides_what_it_listed(system):
    system.clock.freeze(MONDAY)
    county, city = await _department(system, "330521"), await _department(system, "330500")
    by_bureau, by_committee = (await _reported(system))["id"], (await _reported(system))["id"]
    for hid in (by_bureau, by_committee):
        await _ok(system, hid, "confirm_major", COUNTY)

    await _ok(system, by_bureau, "list", CITY, _listing("〔2024〕63号", city))
    await _to_review_passed(system, by_bureau, CITY)
    await _ok(system, by_bureau, "check_close_out", CITY)
    await _refused(system, by_bureau, "close", COMMITTEE, COUNTY, naming="销号须由挂牌督办机关湖州市应急管理局作出")
    await _ok(system, by_bureau, "close", CITY)

    listed = await _ok(system, by_committee, "list", COMMITTEE, _listing("〔2024〕63号", county))  # its own numbering
    assert listed["lister"] == {"region_code": "330500", "kind": "committee", "name": "湖州市安委办"}
    assert listed["supervising_department"]["name"] == "德清县应急管理局"
    await _ok(system, by_committee, "submit_plan", ENTERPRISE)
    await _ok(system, by_committee, "accept_plan", COUNTY)
    await _ok(system, by_committee, "request_extension", ENTERPRISE)
    await _refused(system, by_committee, "grant_extension", COUNTY, CITY, naming="挂牌督办机关湖州市安委办")
    await _ok(system, by_committee, "grant_extension", COMMITTEE)
    await _ok(system, by_committee, "apply_completion", ENTERPRISE)
    await _ok(system, by_committee, "start_review", COUNTY)
    await _ok(system, by_committee, "pass_review", COUNTY)
    await _refused(system, by_committee, "check_close_out", COMMITTEE, naming="德清县应急管理局")
    await _ok(system, by_committee, "check_close_out", COUNTY)
    await _refused(system, by_committee, "close", COUNTY, CITY, naming="销号须由挂牌督办机关湖州市安委办作出")
    assert (await _ok(system, by_committee, "close", COMMITTEE))["state"] == "closed"


async def test_close_out_waits_for_the_supervising_departments_check_and_the_trail_names_both(system):
    system.clock.freeze(MONDAY)
    hid = (await _reported(system))["id"]
    await _ok(system, hid, "confirm_major", COUNTY)
    await _ok(system, hid, "list", CITY, _listing("〔2024〕64号", await _department(system, "330521")))
    await _to_review_passed(system, hid, COUNTY)

    early = await _act(system, hid, "close", CITY)
    assert (early.status_code, early.json()["code"]) == (409, "transition-not-allowed")
    assert (early.json()["allowed_actions"], early.json()["pending_actions"]) == ([], ["check_close_out"])
    assert "尚待他人进行：督办部门审核把关" in early.json()["detail"]
    assert (await _get(system, hid, CITY))["allowed_actions"] == []  # the lister waits
    assert (await _get(system, hid, COUNTY))["allowed_actions"] == ["check_close_out"]
    system.clock.freeze(datetime(2024, 9, 3, 10, 0, tzinfo=SHANGHAI))
    checked = await _ok(system, hid, "check_close_out", COUNTY)
    assert checked["close_out_check"] == {
        "by": "德清县应急管理局", "department": "德清县应急管理局", "at": "2024-09-03T10:00:00+08:00",
    }  # fmt: skip
    assert checked["details"]["close_out_check"]["findings"] == "整改到位，同意销号"
    assert (await _get(system, hid, CITY))["allowed_actions"] == ["close"]
    await _ok(system, hid, "close", CITY)

    trail = await system.client.get(f"/api/v1/hazards/hazards/{hid}/history", headers=await system.login(CITY))
    acting = {entry["action"]: entry["payload"].get("acting_department") for entry in trail.json()}
    assert (acting["check_close_out"], acting["close"]) == ("德清县应急管理局", "湖州市应急管理局")
    assert trail.json()[0]["payload"]["supervising_department"] == "德清县应急管理局"


async def test_a_ledger_imported_major_hazard_has_a_supervising_department_and_only_it_decides(system):
    system.clock.freeze(MONDAY)
    workbook = Workbook()
    workbook.active.append(["隐患名称", "隐患描述", "隐患等级", "判定标准", "判定条款", "发现日期", "整改状态",
                            "整改期限", "现状及原因", "危害程度及整改难易", "治理方案"])  # fmt: skip
    workbook.active.append(["台账导入的重大隐患", "涉爆粉尘作业场所未设置泄爆装置", "重大", "GM2023", "第四条(一)",
                            datetime(2024, 6, 1), "整改中", datetime(2024, 9, 30), "现状", "危害", "方案"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    files = {
        "file": ("台账.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    }
    imported = await system.client.post(
        "/api/v1/hazards/hazards/ledger-import", files=files, headers=await system.login(ENTERPRISE)
    )
    assert imported.status_code == 201, imported.text
    found = await system.client.get(
        "/api/v1/hazards/hazards", params={"state": "rectifying", "grade": "major", "limit": 500},
        headers=await system.login(ENTERPRISE),
    )  # fmt: skip
    hazard = [h for h in found.json()["items"] if h["title"] == "台账导入的重大隐患"][-1]
    hid = hazard["id"]
    assert hazard["supervising_department"]["name"] == "德清县应急管理局"
    assert hazard["lister"] is None

    await _ok(system, hid, "request_extension", ENTERPRISE)
    for action in ("grant_extension", "refuse_extension"):
        await _refused(system, hid, action, WRONG_DEPARTMENT, CITY, COMMITTEE, ENTERPRISE,
                       naming="督办部门德清县应急管理局")  # fmt: skip
    await _ok(system, hid, "grant_extension", COUNTY)
    await _ok(system, hid, "apply_completion", ENTERPRISE)
    await _ok(system, hid, "start_review", COUNTY)
    await _ok(system, hid, "pass_review", COUNTY)
    await _refused(system, hid, "check_close_out", WRONG_DEPARTMENT, CITY, naming="德清县应急管理局")
    await _ok(system, hid, "check_close_out", COUNTY)
    await _refused(system, hid, "close", WRONG_DEPARTMENT, CITY, COMMITTEE, ENTERPRISE, naming="德清县应急管理局")
    assert (await _ok(system, hid, "close", COUNTY))["state"] == "closed"


async def test_allowed_actions_are_the_callers_own(system):
    system.clock.freeze(MONDAY)
    hid = (await _reported(system))["id"]

    offered = {username: (await _get(system, hid, username))["allowed_actions"]
               for username in (ENTERPRISE, COUNTY, WRONG_DEPARTMENT, COMMITTEE, CITY)}  # fmt: skip

    assert offered[ENTERPRISE] == []  # no longer offered confirm_major
    assert offered[COUNTY] == ["return_for_correction", "regrade", "reject", "accept_general", "confirm_major"]
    assert offered[WRONG_DEPARTMENT] == offered[COMMITTEE] == offered[CITY] == []
    refused = await _act(system, hid, "confirm_major", WRONG_DEPARTMENT)
    assert refused.json()["allowed_actions"] == []


async def test_a_hazard_without_a_supervising_department_in_the_register_is_refused(system, new_credit_code):
    """莒县 and 日照 have no 市场监管 department in the demo register: a 特种设备 hazard there would
    have no authority, so it is not recorded."""
    headers = await system.login("juxian-yjj")
    body = {
        "credit_code": new_credit_code("371122"), "name": "莒县测试电梯工程有限公司",
        "address": "莒县城阳街道测试路 1 号",
        "region_code": "371122", "industry": "special_equipment", "tags": [], "latitude": 35.58, "longitude": 118.83,
        "risk_class": "C", "people": {"principal": {"name": "王强", "phone": "13800001111"}},
    }  # fmt: skip
    created = await system.client.post("/api/v1/hazards/enterprises", json=body, headers=headers)
    assert created.status_code == 201, created.text

    response = await system.client.post(
        "/api/v1/hazards/hazards", json=MAJOR | {"enterprise_id": created.json()["id"]}, headers=headers
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "/enterprise_id" and "特种设备" in error["message"]
