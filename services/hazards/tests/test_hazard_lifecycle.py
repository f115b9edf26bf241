"""A major hazard from self-report through 挂牌督办, 治理方案, an extension, completion, a failed
and a passed review to 销号 — every wrong role refused, every illegal step a 409 naming the
allowed ones (domain.md §4; scenarios 8, 11, 13 of §8)."""

from datetime import datetime

import pytest
from sqlalchemy import delete, update

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
WELDING = {
    "title": "动火作业未办理审批、未清理可燃物",
    "description": "二号车间在未清理可燃物的情况下进行电气焊作业，未办理动火审批",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第三条(二)",
    "tags": ["welding"],
    "found_at": "2024-09-02T08:30:00+08:00",
    "report": {
        "condition": "车间内堆放木质包装材料，焊接点 5 米内无隔离，无监护人",
        "harm": "可能引发火灾，车间内 40 名作业人员，整改需停产清理并加装防火分隔",
        "plan": "立即停止动火作业，清理可燃物，建立动火审批制度，加装防火分隔",
    },
}
PLAN = {
    "goals": "消除二号车间动火作业火灾隐患",
    "measures": "清理可燃物、加装防火分隔、建立动火审批和监护制度",
    "funds_and_materials": "投入资金 12 万元，防火板材已采购",
    "people": "总经理负总责，安全管理部牵头，车间主任具体负责",
    "time_limit": "2024 年 9 月 25 日前完成",
    "safety_measures": "整改期间停止动火作业，配备灭火器材，制定火灾应急预案",
}


async def _as(system, username):
    return await system.login(username)


async def _act(system, hazard_id: int, action: str, username: str, body: dict | None = None):
    return await system.client.post(
        f"/api/v1/hazards/hazards/{hazard_id}/{action}", json=body, headers=await _as(system, username)
    )


async def _ok(system, hazard_id: int, action: str, username: str, body: dict | None = None) -> dict:
    response = await _act(system, hazard_id, action, username, body)
    assert response.status_code == 200, response.text
    return response.json()


async def _report(system, body: dict = WELDING, username: str = "demo-enterprise") -> dict:
    response = await system.client.post("/api/v1/hazards/hazards", json=body, headers=await _as(system, username))
    assert response.status_code == 201, response.text
    return response.json()


def _listing(notice_no: str, deadline: str = "2024-09-30", department_id: int = 1) -> dict:
    return {
        "notice_no": notice_no,
        "listed_on": "2024-09-02",
        "deadline": deadline,
        "measures": "限期消除动火作业火灾隐患，整改期间停止相关作业",
        "responsible_unit": "德清示范企业",
        "responsible_person": "王强",
        "supervising_department_id": department_id,
    }


async def _department(system, region: str, kind: str = "emergency") -> int:
    listed = await system.client.get(
        "/api/v1/hazards/departments",
        params={"region_prefix": region, "kind": kind},
        headers=await _as(system, "admin"),
    )
    return next(d["id"] for d in listed.json()["items"] if d["region_code"] == region)


async def test_a_major_hazard_from_self_report_to_close_out(system):
    system.clock.freeze(MONDAY)
    hazard = await _report(system)
    hid = hazard["id"]
    assert (hazard["state"], hazard["source"], hazard["region_code"]) == ("reported", "self_report", "330521001")
    assert hazard["allowed_actions"] == []  # the enterprise may not confirm its own hazard
    assert hazard["supervising_department"]["name"] == "德清县应急管理局"  # 工贸 in 德清: from the register
    as_county = await system.client.get(f"/api/v1/hazards/hazards/{hid}", headers=await _as(system, "deqing-yjj"))
    assert "confirm_major" in as_county.json()["allowed_actions"]

    refused = await _act(system, hid, "confirm_major", "demo-enterprise", {"order_no": "德应急责改〔2024〕12号"})
    assert (refused.status_code, refused.json()["code"]) == (403, "role-not-allowed")
    general = await _act(system, hid, "accept_general", "deqing-yjj", {"measures": "整改", "responsible_person": "王",
                                                                        "funds": "自筹", "acceptor": "李"})  # fmt: skip
    assert (general.status_code, general.json()["code"]) == (409, "grade-mismatch")
    confirmed = await _ok(system, hid, "confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕12号"})
    assert confirmed["state"] == "confirmed"

    early = await _act(system, hid, "submit_plan", "demo-enterprise", PLAN)
    assert (early.status_code, early.json()["code"]) == (409, "transition-not-allowed")
    assert (early.json()["allowed_actions"], early.json()["pending_actions"]) == ([], ["list"])  # the enterprise's
    assert "尚待他人进行：挂牌督办（list）" in early.json()["detail"]

    city_emergency = await _department(system, "330500")
    by_enterprise = await _act(
        system, hid, "list", "demo-enterprise", _listing("〔2024〕7号", department_id=city_emergency)
    )
    assert by_enterprise.status_code == 403
    listed = await _ok(system, hid, "list", "huzhou-yjj", _listing("〔2024〕7号", department_id=city_emergency))
    assert (listed["state"], listed["lister_region_code"], listed["notice_no"]) == ("listed", "330500", "〔2024〕7号")
    assert listed["deadline_at"] == "2024-09-30T23:59:59+08:00"
    # 15 日 would end on 09-17, the last day of 中秋 (国办发明电〔2023〕7号): the limit moves to 09-18.
    assert (listed["step"], listed["step_due_at"]) == ("提交治理方案", "2024-09-18T23:59:59+08:00")

    assert (await _ok(system, hid, "submit_plan", "demo-enterprise", PLAN))["state"] == "plan_submitted"
    assert (await _ok(system, hid, "accept_plan", "huzhou-yjj"))["state"] == "rectifying"

    asked = await _ok(
        system, hid, "request_extension", "demo-enterprise",
        {"requested_deadline": "2024-10-31", "reason": "防火板材到货延迟，需延期一个月"},
    )  # fmt: skip
    assert asked["state"] == "extension_requested"
    assert asked["details"]["extension"]["in_window"] is True  # asked within 20 工作日 before 09-30
    not_the_lister = await _act(system, hid, "grant_extension", "deqing-yjj", {"reason": "同意延期"})
    assert (not_the_lister.status_code, not_the_lister.json()["code"]) == (403, "not-the-authority")
    assert not_the_lister.json()["detail"] == "延期决定须由挂牌督办机关湖州市应急管理局作出"
    granted = await _ok(system, hid, "grant_extension", "huzhou-yjj", {"reason": "理由充分，同意延期至 10 月 31 日"})
    assert granted["deadline_at"] == "2024-10-31T23:59:59+08:00"
    assert granted["original_deadline_at"] == "2024-09-30T23:59:59+08:00"

    completion = {"summary": "已完成全部整改", "evaluated_by": "assessment_agency", "evaluation": "隐患已消除"}
    applied = await _ok(system, hid, "apply_completion", "demo-enterprise", completion)
    assert (applied["state"], applied["step"]) == ("completion_applied", "现场复核")
    assert applied["step_due_at"] == "2024-09-12T23:59:59+08:00"  # 10 日
    await _ok(system, hid, "start_review", "huzhou-yjj")
    failed = await _ok(system, hid, "fail_review", "huzhou-yjj", {"findings": "防火分隔未封堵到顶，需继续整改"})
    assert failed["state"] == "rectifying"  # scenario 11: a failed review goes back to rectifying

    await _ok(system, hid, "apply_completion", "demo-enterprise", completion)
    await _ok(system, hid, "start_review", "huzhou-yjj")
    await _ok(system, hid, "pass_review", "huzhou-yjj", {"findings": "复核合格"})
    unchecked = await _act(system, hid, "close", "huzhou-yjj", {"opinion": "同意销号"})
    assert (unchecked.status_code, unchecked.json()["code"]) == (409, "transition-not-allowed")
    await _ok(system, hid, "check_close_out", "huzhou-yjj", {"findings": "整改到位，同意销号"})
    county_close = await _act(system, hid, "close", "deqing-yjj", {"opinion": "同意销号"})
    assert (county_close.status_code, county_close.json()["code"]) == (403, "not-the-authority")  # only the lister
    closed = await _ok(system, hid, "close", "huzhou-yjj", {"opinion": "经督办部门审核，同意销号"})
    assert (closed["state"], closed["allowed_actions"], closed["overdue"]) == ("closed", [], False)

    trail = (
        await system.client.get(f"/api/v1/hazards/hazards/{hid}/history", headers=await _as(system, "huzhou-yjj"))
    ).json()
    assert [entry["action"] for entry in trail] == [
        "report", "confirm_major", "list", "submit_plan", "accept_plan", "request_extension", "grant_extension",
        "apply_completion", "start_review", "fail_review", "apply_completion", "start_review", "pass_review",
        "check_close_out", "close",
    ]  # fmt: skip
    verdict = (
        await system.client.get(f"/api/v1/hazards/hazards/{hid}/verify", headers=await _as(system, "deqing-yjj"))
    ).json()
    assert (verdict["intact"], verdict["entries"]) == (True, 15)


async def test_scenario_8_a_notice_number_is_used_once_per_authority_and_year(system):
    system.clock.freeze(MONDAY)
    county_department = await _department(system, "330521")
    first, second = await _report(system), await _report(system)
    for hazard in (first, second):
        await _ok(system, hazard["id"], "confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕13号"})

    await _ok(system, first["id"], "list", "deqing-yjj", _listing("〔2024〕3号", department_id=county_department))
    again = await _act(
        system, second["id"], "list", "deqing-yjj", _listing("〔2024〕3号", department_id=county_department)
    )
    by_city = await _act(
        system,
        second["id"],
        "list",
        "huzhou-yjj",
        _listing("〔2024〕3号", department_id=await _department(system, "330500")),
    )

    assert (again.status_code, again.json()["code"]) == (409, "notice-no-taken")
    assert by_city.status_code == 200  # another authority has its own numbering


@pytest.mark.parametrize(
    ("found_at", "standard", "accepted"),
    [
        ("2025-10-15T10:00:00+08:00", "FIRE2017", True),
        ("2025-10-15T10:00:00+08:00", "FIRE2025", False),
        ("2025-11-02T10:00:00+08:00", "FIRE2025", True),
        ("2025-11-02T10:00:00+08:00", "FIRE2017", False),
    ],
)
async def test_scenario_13_a_fire_hazard_is_judged_by_the_edition_in_force_when_found(
    system, found_at, standard, accepted
):
    headers = await _as(system, "deqing-yjj")
    shops = await system.client.get("/api/v1/hazards/enterprises", params={"industry": "fire_safety"}, headers=headers)
    body = WELDING | {
        "enterprise_id": shops.json()["items"][0]["id"],
        "title": "疏散通道堵塞、安全出口锁闭",
        "basis_standard": standard,
        "basis_clause": "第五条",
        "found_at": found_at,
        "tags": [],
    }

    response = await system.client.post("/api/v1/hazards/hazards", json=body, headers=headers)

    if accepted:
        assert response.status_code == 201, response.text
        assert response.json()["source"] == "inspection"
    else:
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "/basis_standard"
        assert "不在有效期内" in error["message"]


async def test_a_major_hazard_without_its_basis_names_every_missing_field(system):
    body = {key: value for key, value in WELDING.items() if key not in ("basis_standard", "basis_clause", "report")}

    response = await system.client.post(
        "/api/v1/hazards/hazards", json=body, headers=await _as(system, "demo-enterprise")
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"/basis_standard", "/basis_clause", "/report"}


async def test_tampering_with_the_trail_is_named(embedded):
    """Acceptance 4: an edited entry, or a deleted last entry, makes verify name the first broken one."""
    from hazards.hazard.models import HazardAudit

    embedded.clock.freeze(MONDAY)
    edited, truncated = await _report(embedded), await _report(embedded)
    for hazard in (edited, truncated):
        await _ok(embedded, hazard["id"], "confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕20号"})
    runtime = embedded.dispatcher.apps["/api/v1/hazards"].state.runtime
    async with runtime.unit_of_work() as session:  # someone with database access covers their tracks
        await session.execute(
            update(HazardAudit)
            .where(HazardAudit.subject_id == edited["id"], HazardAudit.seq == 1)
            .values(payload={"grade": "general"})
        )
        await session.execute(
            delete(HazardAudit).where(HazardAudit.subject_id == truncated["id"], HazardAudit.seq == 2)
        )

    headers = await _as(embedded, "deqing-yjj")
    verdicts = [
        (await embedded.client.get(f"/api/v1/hazards/hazards/{h['id']}/verify", headers=headers)).json()
        for h in (edited, truncated)
    ]

    assert (verdicts[0]["intact"], verdicts[0]["first_broken_seq"]) == (False, 1)
    assert verdicts[0]["problem"] == "第 1 条记录的内容被改动"
    assert (verdicts[1]["intact"], verdicts[1]["first_broken_seq"]) == (False, 2)
    assert "删除" in verdicts[1]["problem"]


async def test_the_standards_are_published_with_their_validity(system):
    standards = {s["id"]: s for s in (await system.client.get("/api/v1/hazards/standards")).json()}

    assert standards["FIRE2017"]["valid_to"] == "2025-10-31"
    assert standards["FIRE2025"]["valid_from"] == "2025-11-01"
    assert standards["GM2023"]["document"] == "应急管理部令第10号"


async def test_a_deadline_in_an_unpublished_year_is_provisional_until_the_year_is_loaded(system):
    """2028 has no State Council notice yet: a 30 日 limit ending in it is counted with 2028's
    statutory holidays and weekends and marked provisional; loading 2028 counts it again. (The 2028
    arrangement is a test fixture: the law's days, plus Fri 01-14 off.)"""
    system.clock.freeze(datetime(2027, 12, 15, 10, 0, tzinfo=SHANGHAI))
    headers = await _as(system, "deqing-yjj")
    enterprise = (await system.client.get("/api/v1/hazards/enterprises?limit=1", headers=headers)).json()["items"][0]
    report = WELDING | {"enterprise_id": enterprise["id"], "grade": "general", "found_at": "2027-12-15T09:00:00+08:00"}
    hazard = (await system.client.post("/api/v1/hazards/hazards", json=report, headers=headers)).json()
    order = {"measures": "停止动火并清理", "responsible_person": "王强", "funds": "自筹", "acceptor": "李安"}
    accepted = await _ok(system, hazard["id"], "accept_general", "deqing-yjj", order)
    assert (accepted["deadline_at"], accepted["deadline_provisional"]) == ("2028-01-14T23:59:59+08:00", True)
    # the runner's limit for the next step (完成整改, 30 日) is counted the same way, and says so
    assert (accepted["step_due_at"], accepted["step_provisional"]) == ("2028-01-14T23:59:59+08:00", True)

    admin = await _as(system, "nation-admin")  # the calendar is national
    years = (await system.client.get("/api/v1/hazards/calendar/years", headers=admin)).json()["years"]
    statutory = [d["day"] for y in years if y["year"] == 2028 for d in y["statutory_holidays"]]
    fixture = {"holidays": ["2028-01-14", *statutory], "makeup_workdays": [], "source": "测试用放假安排（非真实通知）"}
    loaded = await system.client.put("/api/v1/hazards/calendar/years/2028", json=fixture, headers=admin)
    assert loaded.status_code == 200, loaded.text

    recounted = (await system.client.get(f"/api/v1/hazards/hazards/{hazard['id']}", headers=headers)).json()
    assert (recounted["deadline_at"], recounted["deadline_provisional"]) == ("2028-01-17T23:59:59+08:00", False)
    assert (recounted["step_due_at"], recounted["step_provisional"]) == ("2028-01-17T23:59:59+08:00", False)
    trail = (await system.client.get(f"/api/v1/hazards/hazards/{hazard['id']}/history", headers=headers)).json()
    assert trail[-1]["action"] == "recount_deadline"
    assert (trail[-1]["payload"]["to_deadline"], trail[-1]["payload"]["to_step_due_at"]) == (
        "2028-01-17T23:59:59+08:00",
        "2028-01-17T23:59:59+08:00",
    )
    removed = await system.client.delete("/api/v1/hazards/calendar/years/2028", headers=admin)  # undone
    assert removed.status_code == 204, removed.text
    again = (await system.client.get(f"/api/v1/hazards/hazards/{hazard['id']}", headers=headers)).json()
    assert (again["deadline_at"], again["deadline_provisional"]) == ("2028-01-14T23:59:59+08:00", True)
    assert (again["step_due_at"], again["step_provisional"]) == ("2028-01-14T23:59:59+08:00", True)
