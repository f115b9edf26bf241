"""Returns (报表, issue 19): a department's monthly return is opened when the month ends, prepared
with the figures as of the month's last instant, submitted by its leader, sent back by the county's
安委办 and resubmitted, then received — every step on its trail. One not submitted by the 20th gets
its 催办 the next working day (reminders and delivery log of item type return) and the 安委办 sees
it outstanding (acceptance 3). A county's departments cannot see another county's returns."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from tipoff_flow import until

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

HAZARDS = "/api/v1/hazards"
RETURNS = f"{HAZARDS}/returns"
NOTIFY = "/api/v1/notify"
APRIL_END = "2025-05-01T00:00:00+08:00"  # the end of 30 April: every deadline in April has come
GENERAL = {
    "title": "配电箱未上锁",
    "description": "二号车间配电箱门未关闭、未上锁",
    "grade": "general",
    "found_at": "2025-04-10T08:00:00+08:00",
}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=SHANGHAI)


async def _get(system, path: str, username: str, **params) -> dict | list:
    response = await system.client.get(path, params=params, headers=await system.login(username))
    assert response.status_code == 200, response.text
    return response.json()


async def _post(system, path: str, username: str, body: dict | None = None, status: int = 200) -> dict:
    response = await system.client.post(path, json=body or {}, headers=await system.login(username))
    assert response.status_code == status, response.text
    return response.json()


async def _department(system, region_code: str, kind: str) -> int:
    page = await _get(system, f"{HAZARDS}/departments", "admin", region_prefix=region_code, kind=kind)
    return next(d["id"] for d in page["items"] if d["region_code"] == region_code)


async def _april_return(system, username: str, department_id: int) -> dict:
    """The department's April 2025 return, once the sweep has opened it."""

    async def opened():
        page = await _get(system, RETURNS, username, kind="monthly", period="2025-04", department_id=department_id)
        return page["items"][0] if page["items"] else None

    return await until(opened)


async def test_a_monthly_return_is_opened_prepared_as_of_the_month_end_sent_back_resubmitted_and_received(system):
    system.clock.freeze(at(4, 10))
    await _post(system, f"{HAZARDS}/hazards", "demo-enterprise", GENERAL, status=201)

    system.clock.freeze(at(5, 6, 9))  # the month has ended (1–5 May are 劳动节)
    emergency = await _department(system, "330521", "emergency")
    item = await _april_return(system, "deqing-yjj", emergency)
    assert item["state"] == "due" and item["kind"] == "monthly" and item["period_title"] == "2025年4月"
    assert item["title"] == "德清县应急管理局 2025年4月 月报"
    assert item["committee_name"] == "德清县安委办" and item["committee_region_code"] == "330521"
    assert item["due_at"] == "2025-05-20T23:59:59+08:00"  # 「每月20日前」, the 20th included
    assert item["figures"] is None and item["allowed_actions"] == ["prepare"]
    url = f"{RETURNS}/{item['id']}"

    # A hazard found in April but recorded only now is not in the figures as of 30 April.
    await _post(system, f"{HAZARDS}/hazards", "demo-enterprise", GENERAL | {"title": "消防通道堵塞"}, status=201)
    prepared = await _post(system, f"{url}/prepare", "deqing-yjj", {"note": "四月隐患排查治理情况"})
    assert prepared["state"] == "prepared" and prepared["step_due_at"] == item["due_at"]
    figures = prepared["figures"]
    params = {"month": "2025-04", "region_prefix": "330521", "department_id": emergency}
    then = await _get(system, f"{HAZARDS}/figures", "deqing-yjj", **params, as_of=APRIL_END)
    now = await _get(system, f"{HAZARDS}/figures", "deqing-yjj", **params, as_of="2025-05-06T09:00:00+08:00")
    assert figures["as_of"] == APRIL_END and figures["hazards"]["total"] == then["total"]
    assert now["total"]["found"] == then["total"]["found"] + 1 >= 2
    assert figures["tip_offs"] is not None and figures["tip_offs_missing"] is None
    assert figures["tip_offs"]["region_code"] == "330521"

    # Submitted by the department's leader only; the 安委办 sends it back, the department resubmits.
    refused = await system.client.post(f"{url}/submit", json={}, headers=await system.login("deqing-yjj"))
    assert refused.status_code == 403 and refused.json()["code"] == "role-not-allowed"
    other = await system.client.post(f"{url}/prepare", json={}, headers=await system.login("deqing-zjj"))
    assert other.status_code == 403 and other.json()["code"] == "not-the-authority"
    assert "德清县应急管理局" in other.json()["detail"]
    submitted = await _post(system, f"{url}/submit", "deqing-yjj-leader", {"note": "已审核"})
    assert submitted["state"] == "submitted" and submitted["submitted_late"] is False
    assert submitted["step"] is None and submitted["overdue"] is False
    city = await system.client.post(f"{url}/receive", json={}, headers=await system.login("huzhou-ajb"))
    assert city.status_code == 403 and city.json()["code"] == "not-the-authority"  # not the county's 安委办

    system.clock.freeze(at(5, 7, 9))
    back = await _post(system, f"{url}/send_back", "deqing-ajb", {"reason": "缺少重大隐患分行业情况说明"})
    assert back["state"] == "sent_back" and back["sent_back_reason"] == "缺少重大隐患分行业情况说明"
    assert back["step"] == "修改后重新报送" and back["step_due_at"] == "2025-05-12T23:59:59+08:00"  # 3 工作日
    await _post(system, f"{url}/prepare", "deqing-yjj", {"note": "补充分行业说明"})
    await _post(system, f"{url}/submit", "deqing-yjj-leader")
    received = await _post(system, f"{url}/receive", "deqing-ajb", {"note": "收悉"})
    assert received["state"] == "received" and received["received_by"]

    trail = await _get(system, f"{url}/history", "deqing-ajb")
    assert [entry["action"] for entry in trail] == [
        "open", "prepare", "submit", "send_back", "prepare", "submit", "receive",
    ]  # fmt: skip
    assert trail[3]["reason"] == "缺少重大隐患分行业情况说明"
    assert trail[3]["payload"]["acting_department"] == "德清县安委办"
    assert (await _get(system, f"{url}/verify", "deqing-ajb"))["intact"] is True

    # Its tables as submitted: JSON, and the same numbers in the .xlsx and the CSV.
    tables = await _get(system, f"{url}/tables", "deqing-ajb")
    hazards, tip_offs = tables["tables"]
    assert hazards["rows"][-1]["title"] == "合计" and hazards["rows"][-1]["found"] == then["total"]["found"]
    assert hazards["rows"][-1]["on_time_rate"] == then["total"]["on_time_rate"]["rate"]
    assert tip_offs["rows"][0]["received"] == figures["tip_offs"]["region_total"]["tip_offs"]["received"]
    xlsx = await system.client.get(f"{url}/tables", params={"format": "xlsx"}, headers=await system.login("deqing-ajb"))
    assert xlsx.status_code == 200 and "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["隐患排查治理"]
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["序号", "地区", "发现隐患", "其中重大"] and sheet.freeze_panes == "A4"
    total = [cell.value for cell in sheet[3 + len(hazards["rows"])]]
    assert total[1:4] == ["合计", hazards["rows"][-1]["found"], hazards["rows"][-1]["found_major"]]
    csv = await system.client.get(
        f"{url}/tables", params={"format": "csv", "table": 2}, headers=await system.login("deqing-ajb")
    )
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("序号,范围,接收举报")

    overview = await _get(system, f"{RETURNS}/overview", "deqing-ajb", kind="monthly", period="2025-04")
    (row,) = overview["rows"]
    assert row["expected"] == row["submitted"] + row["outstanding"] and row["received"] >= 1
    assert emergency not in [d["id"] for d in row["outstanding_departments"]]


async def test_a_return_not_submitted_by_the_20th_is_urged_the_next_working_day_and_outstanding(system):
    # A county department of its own (长兴县, which no other test uses), added in August 2025: its
    # July return is opened now, and no earlier clock can have sent its reminders.
    system.clock.freeze(datetime(2025, 8, 4, 9, 0, tzinfo=SHANGHAI))
    body = {"region_code": "330522", "kind": "emergency", "name": "长兴县应急管理局"}
    made = await system.client.post(f"{HAZARDS}/departments", json=body, headers=await system.login("huzhou-admin"))
    assert made.status_code == 201, made.text
    department = made.json()["id"]

    async def opened():
        page = await _get(system, RETURNS, "huzhou-ajb", kind="monthly", period="2025-07", department_id=department)
        return page["items"][0] if page["items"] else None

    item = await until(opened)
    assert item["due_at"] == "2025-08-20T23:59:59+08:00" and item["committee_name"] == "长兴县安委办"
    unprepared = await system.client.get(f"{RETURNS}/{item['id']}/tables", headers=await system.login("huzhou-ajb"))
    assert unprepared.status_code == 409 and unprepared.json()["code"] == "return-not-prepared"
    reminders = f"{NOTIFY}/reminders?item_type=return&item_id={item['id']}"

    async def planned():
        response = await system.client.get(reminders, headers=await system.login("huzhou-ajb"))
        return response.json() if response.status_code == 200 and response.json() else None

    ladder = {r["step"]: r["due_at"] for r in await until(planned)}
    assert ladder == {"urge": "2025-08-21T09:00:00+08:00"}  # the working day after the 20th

    system.clock.freeze(datetime(2025, 8, 20, 23, 0, tzinfo=SHANGHAI))  # still on time on the 20th
    assert (await _get(system, f"{RETURNS}/{item['id']}", "huzhou-ajb"))["overdue"] is False

    system.clock.freeze(datetime(2025, 8, 21, 9, 0, tzinfo=SHANGHAI))

    async def urged():
        sent = [r for r in await planned() or [] if r["state"] == "sent"]
        return sent or None

    assert [r["step"] for r in await until(urged)] == ["urge"]
    log = await _get(system, f"{NOTIFY}/deliveries", "huzhou-ajb", item_type="return", item_id=item["id"])
    (urge,) = log
    assert urge["step"] == "urge" and urge["recipient"] == "department:330522:emergency"
    assert urge["status"] == "delivered" and urge["attempted_at"].startswith("2025-08-21T09:00")
    assert urge["title"] == "报表逾期未报送催办" and "长兴县应急管理局 2025年7月 月报" in urge["text"]

    overview = await _get(
        system, f"{RETURNS}/overview", "huzhou-ajb", committee_region_code="330522", kind="monthly", period="2025-07"
    )
    (row,) = overview["rows"]
    assert overview["committee_name"] == "长兴县安委办"
    assert (row["expected"], row["submitted"], row["outstanding"], row["overdue"]) == (1, 0, 1, 1)
    assert [d["id"] for d in row["outstanding_departments"]] == [department]
    outstanding = await _get(
        system, RETURNS, "huzhou-ajb", committee_region_code="330522", outstanding="true", overdue="true",
        period="2025-07", kind="monthly",
    )  # fmt: skip
    (shown,) = outstanding["items"]
    assert shown["id"] == item["id"] and shown["overdue"] is True and shown["days_overdue"] == 1


async def test_a_county_cannot_see_another_countys_returns(system):
    system.clock.freeze(at(5, 6, 9))
    emergency = await _department(system, "330521", "emergency")
    item = await _april_return(system, "deqing-yjj", emergency)
    elsewhere = await system.client.get(f"{RETURNS}/{item['id']}", headers=await system.login("wuxing-yjj"))
    hidden = await system.client.get(f"{RETURNS}/{item['id']}/tables", headers=await system.login("wuxing-yjj"))
    assert hidden.status_code == 404
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "return-not-found"
    listed = await _get(system, RETURNS, "wuxing-yjj", period="2025-04", kind="monthly", limit=500)
    assert listed["items"] and {r["department"]["region_code"] for r in listed["items"]} == {"330502"}
    city = await _get(system, RETURNS, "huzhou-ajb", period="2025-04", kind="monthly", limit=500)
    assert {"330500", "330502", "330521"} <= {r["department"]["region_code"] for r in city["items"]}
    refused = await system.client.get(
        f"{RETURNS}/overview", params={"committee_region_code": "330521"}, headers=await system.login("wuxing-yjj")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "outside-jurisdiction"


async def test_rankings_order_regions_and_departments_by_the_figures_as_of_the_period_end(system):
    system.clock.freeze(at(4, 12))
    await _post(system, f"{HAZARDS}/hazards", "demo-enterprise", GENERAL | {"title": "安全出口上锁"}, status=201)
    system.clock.freeze(at(5, 6, 9))
    ranked = await _get(system, f"{HAZARDS}/rankings", "huzhou-ajb", month="2025-04", sort="overdue")
    assert ranked["as_of"] == APRIL_END and ranked["region_title"] == "湖州市" and ranked["ranked"] == "region"
    figures = await _get(system, f"{HAZARDS}/figures", "huzhou-ajb", month="2025-04", as_of=APRIL_END)
    zeroing = await _get(system, f"{HAZARDS}/figures/zeroing", "huzhou-ajb", as_of=APRIL_END)
    by_key = {row["key"]: row for row in figures["rows"]}
    stock = {row["key"]: row for row in zeroing["rows"]}
    assert {row["key"] for row in ranked["rows"]} == set(by_key) >= {"330521"}
    for row in ranked["rows"]:
        counted = by_key[row["key"]]
        assert (row["due"], row["overdue"], row["open_major"]) == (
            counted["due"],
            counted["overdue"],
            counted["open_major"],
        )
        assert (
            row["on_time_rate"] == counted["on_time_rate"]
            and row["stock_open"] == stock.get(row["key"], {"stock_open": 0})["stock_open"]
        )
    assert [row["rank_overdue"] for row in ranked["rows"]] == sorted(row["rank_overdue"] for row in ranked["rows"])
    overdue = [row["overdue"] for row in ranked["rows"]]
    assert overdue == sorted(overdue) and ranked["rows"][0]["rank_overdue"] == 1

    departments = await _get(system, f"{HAZARDS}/rankings", "deqing-ajb", month="2025-04", ranked="department")
    assert departments["region_prefix"] == "330521" and departments["rows"]
    rates = [row["on_time_rate"]["rate"] for row in departments["rows"] if row["rank_on_time"] is not None]
    assert rates == sorted(rates, reverse=True)
    assert all(row["stock_open"] is None for row in departments["rows"])
    outside = await system.client.get(
        f"{HAZARDS}/rankings", params={"region_prefix": "330502"}, headers=await system.login("deqing-ajb")
    )
    assert outside.status_code == 403 and outside.json()["code"] == "outside-jurisdiction"


async def test_a_loaded_year_recounts_a_returns_provisional_deadline_and_its_reminder(own_embedded):
    # A system of its own: it loads 2027, which the library does not know and no shared test touches.
    system = own_embedded
    system.clock.freeze(datetime(2027, 1, 11, 9, 0, tzinfo=SHANGHAI))
    emergency = await _department(system, "330521", "emergency")

    async def opened():
        page = await _get(system, RETURNS, "deqing-ajb", kind="monthly", period="2026-12", department_id=emergency)
        return page["items"][0] if page["items"] else None

    item = await until(opened)
    assert (item["due_at"], item["due_provisional"]) == ("2027-01-20T23:59:59+08:00", True)
    statutory = ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
                 "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"]  # fmt: skip
    made_up = {
        "holidays": sorted([*statutory, "2027-01-20"]),
        "makeup_workdays": [],
        "source": "测试用数据（非真实通知）",
    }
    loaded = await system.client.put(
        f"{HAZARDS}/calendar/years/2027", json=made_up, headers=await system.login("nation-admin")
    )
    assert loaded.status_code == 200, loaded.text

    recounted = await _get(system, f"{RETURNS}/{item['id']}", "deqing-ajb")
    assert (recounted["due_at"], recounted["due_provisional"]) == ("2027-01-21T23:59:59+08:00", False)
    assert recounted["step_due_at"] == recounted["due_at"]
    trail = await _get(system, f"{RETURNS}/{item['id']}/history", "deqing-ajb")
    assert trail[-1]["action"] == "recount_deadline" and trail[-1]["payload"]["calendar_year"] == 2027

    async def replanned():
        params = {"item_type": "return", "item_id": item["id"]}
        response = await system.client.get(
            f"{NOTIFY}/reminders", params=params, headers=await system.login("deqing-yjj")
        )
        pending = [r["due_at"] for r in response.json() if r["state"] == "pending"] if response.is_success else []
        return pending if pending == ["2027-01-22T09:00:00+08:00"] else None

    assert await until(replanned)
