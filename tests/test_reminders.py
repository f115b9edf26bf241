"""Nobody misses a deadline unnoticed (issue 10, domain.md §4 and scenario 10): a listed major
hazard's reminder ladder — 预警 D−15/−7/−3 日, 催办 D+1 工作日, 通报 D+5, 约谈 D+15 — planned from
its events, moved by an extension, sent across 国庆 by the sweep, and shown in the delivery log."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from tipoff_flow import submit, tip_off_id, until

from qingling.clock import SHANGHAI

HAZARDS = "/api/v1/hazards/hazards"
NOTIFY = "/api/v1/notify"
ENTERPRISE = "91330521MA2B3C4D5Q"
LEAK = {
    "title": "液氨储罐区泄漏报警装置失效",
    "description": "液氨储罐区两台泄漏报警探头失效，未与紧急切断联锁",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第六条(二)",
    "tags": ["ammonia_refrigeration"],
    "found_at": "2024-09-02T08:30:00+08:00",
    "report": {"condition": "探头失效", "harm": "泄漏无法及时发现，可能中毒", "plan": "更换探头并联锁"},
}
PLAN = {
    "goals": "恢复液氨泄漏报警和紧急切断",
    "measures": "更换探头，恢复联锁，每日检查",
    "funds_and_materials": "投入资金 3 万元",
    "people": "总经理负总责，设备部具体负责",
    "time_limit": "2024 年 9 月 20 日前完成",
    "safety_measures": "整改期间人工巡检，每两小时一次",
}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=SHANGHAI)


async def _ok(system, url: str, username: str, body: dict | None = None) -> dict:
    response = await system.client.post(url, json=body, headers=await system.login(username))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _get(system, path: str, username: str, **params) -> list | dict:
    response = await system.client.get(f"{NOTIFY}{path}", params=params, headers=await system.login(username))
    assert response.status_code == 200, response.text
    return response.json()


async def _board(system, username: str, **params) -> list[dict]:
    """Every row of the user's deadline board, following the pages (a shared system's board holds
    more than a page: a bulk report's thousand hazards)."""
    rows, after = [], None
    while True:
        page = await _get(system, "/deadlines", username, limit=500, **params, **({"after": after} if after else {}))
        rows += page["items"]
        if not (after := page["next_after"]):
            return rows


async def _reminders(system, hazard: int) -> list[dict]:
    params = {"item_type": "hazard", "item_id": hazard}
    response = await system.client.get(f"{NOTIFY}/reminders", params=params, headers=await system.login("deqing-yjj"))
    assert response.status_code in (200, 404), response.text  # 404 until notify has heard of the hazard
    return response.json() if response.status_code == 200 else []


async def _sent_by(system, hazard: int, moment: datetime) -> list[str]:
    """Moves the clock and waits for the sweep to send what fell due; answers what was sent."""
    system.clock.freeze(moment)

    async def settled():
        reminders = await _reminders(system, hazard)
        late = [r for r in reminders if r["state"] == "pending" and datetime.fromisoformat(r["due_at"]) <= moment]
        return None if late else reminders

    return [f"{r['step']}@{r['due_at'][:10]}" for r in await until(settled) if r["state"] == "sent"]


@pytest.mark.asyncio
async def test_a_listed_major_hazard_climbs_the_ladder_across_national_day_and_an_extension_reschedules_it(system):
    system.clock.freeze(at(9, 2, 9))
    hazard = await _ok(system, HAZARDS, "demo-enterprise", LEAK)
    url = f"{HAZARDS}/{hazard['id']}"
    await _ok(system, f"{url}/confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕41号"})
    departments = await system.client.get(
        "/api/v1/hazards/departments", params={"region_prefix": "330521", "kind": "emergency"},
        headers=await system.login("admin"),
    )  # fmt: skip
    supervising = next(d["id"] for d in departments.json()["items"] if d["region_code"] == "330521")
    listing = {
        "notice_no": "〔2024〕41号", "listed_on": "2024-09-02", "deadline": "2024-09-20", "measures": "恢复报警联锁",
        "responsible_unit": "德清示范企业", "responsible_person": "王强", "supervising_department_id": supervising,
    }  # fmt: skip
    await _ok(system, f"{url}/list", "deqing-yjj", listing)

    async def planned():
        reminders = await _reminders(system, hazard["id"])
        return reminders if len(reminders) == 6 else None

    first_plan = {r["step"]: r["due_at"] for r in await until(planned)}
    assert first_plan == {
        "warn_15": "2024-09-05T09:00:00+08:00",
        "warn_7": "2024-09-13T09:00:00+08:00",
        "warn_3": "2024-09-17T09:00:00+08:00",  # the last day of 中秋: a warning still goes out
        "urge": "2024-09-23T09:00:00+08:00",  # the working day after Fri 20 Sep
        "bulletin": "2024-09-27T09:00:00+08:00",
        "interview": "2024-10-16T09:00:00+08:00",  # 15 工作日, with 29 Sep worked and 国庆 off
    }

    assert await _sent_by(system, hazard["id"], at(9, 5)) == ["warn_15@2024-09-05"]
    enterprise_inbox = await _get(system, "/inbox", "demo-enterprise", limit=500)
    mine = [item for item in enterprise_inbox["items"] if item["item_id"] == hazard["id"]]
    warning = next(item for item in mine if item["kind"] == "reminder")
    assert warning["title"] == "隐患整改期限预警" and "还剩 15 天" in warning["text"]
    [listed] = [item for item in mine if item["kind"] == "listing"]  # the listing itself, told at once
    assert listed["title"] == "重大事故隐患挂牌督办" and "2024年9月20日" in listed["text"]

    await _ok(system, f"{url}/submit_plan", "demo-enterprise", PLAN)
    await _ok(system, f"{url}/accept_plan", "deqing-yjj")
    assert await _sent_by(system, hazard["id"], at(9, 17)) == [
        "warn_15@2024-09-05", "warn_7@2024-09-13", "warn_3@2024-09-17",
    ]  # fmt: skip

    # The lister extends the deadline to 30 Sep: the old 催办, 通报 and 约谈 are cancelled.
    system.clock.freeze(at(9, 18))
    await _ok(system, f"{url}/request_extension", "demo-enterprise",
              {"requested_deadline": "2024-09-30", "reason": "探头到货延迟"})  # fmt: skip
    await _ok(system, f"{url}/grant_extension", "deqing-yjj", {"reason": "理由充分，同意延期至 9 月 30 日"})

    async def rescheduled():
        reminders = await _reminders(system, hazard["id"])
        return reminders if sum(r["state"] == "cancelled" for r in reminders) == 3 else None

    reminders = await until(rescheduled)
    assert {r["step"] for r in reminders if r["state"] == "cancelled"} == {"urge", "bulletin", "interview"}
    enterprise_inbox = await _get(system, "/inbox", "demo-enterprise", limit=500)
    told_of = [(i["kind"], i["title"]) for i in enterprise_inbox["items"] if i["item_id"] == hazard["id"]]
    assert [k for k, _ in told_of if k in ("listing", "deadline")] == ["listing", "deadline"]  # once each
    [changed] = [i for i in enterprise_inbox["items"] if i["item_id"] == hazard["id"] and i["kind"] == "deadline"]
    assert "2024年9月30日" in changed["text"]
    new_plan = {r["step"]: r["due_at"] for r in reminders if r["state"] == "pending"}
    assert new_plan == {
        "warn_7": "2024-09-23T09:00:00+08:00",
        "warn_3": "2024-09-27T09:00:00+08:00",
        "urge": "2024-10-08T09:00:00+08:00",  # 1–7 Oct are 国庆
        "bulletin": "2024-10-12T09:00:00+08:00",  # Saturday 12 Oct is a working day (调休)
        "interview": "2024-10-25T09:00:00+08:00",
    }  # warn_15 (15 Sep) had already passed: no late warning

    for moment in (at(9, 23), at(9, 27), at(10, 8), at(10, 12), at(10, 25)):
        await _sent_by(system, hazard["id"], moment)
    reminders = await _reminders(system, hazard["id"])
    assert [r["step"] for r in reminders if r["state"] == "sent"] == [
        "warn_15", "warn_7", "warn_3", "warn_7", "warn_3", "urge", "bulletin", "interview",
    ]  # fmt: skip
    assert all(r["sent_at"] is None for r in reminders if r["state"] == "cancelled")  # the old steps never fired

    # The city's 安委办 is told to 约谈 and reads it; the delivery log shows every step and reading.
    committee = await _get(system, "/inbox", "huzhou-ajb")
    interview = next(item for item in committee["items"] if item["item_id"] == hazard["id"])
    assert interview["title"] == "隐患整改超期约谈" and "超过整改期限（2024年9月30日）25 天" in interview["text"]
    await _ok(system, f"{NOTIFY}/inbox/read", "huzhou-ajb", {"ids": [interview["id"]]})

    log = await _get(system, "/deliveries", "deqing-yjj", item_type="hazard", item_id=hazard["id"])
    log = [entry for entry in log if entry["channel"] == "inbox"]  # webhooks, if subscribed, are logged too
    told = [(entry["step"], entry["recipient"]) for entry in log]
    assert told[-8:] == [
        ("urge", f"enterprise:{ENTERPRISE}"), ("urge", "department:330521:emergency"), ("urge", "committee:330521"),
        ("bulletin", "committee:330521"), ("bulletin", "department:330521:emergency"),
        ("bulletin", f"enterprise:{ENTERPRISE}"),
        ("interview", "committee:330500"), ("interview", "committee:330521"),
    ]  # fmt: skip
    # The listing and the deadline change to the enterprise, five warnings to the enterprise and the
    # department, then the ladder.
    assert len(told) == 2 + 2 * 5 + 8
    notices = ("hazard.listed", "hazard.deadline_changed")
    assert [(e["template"], e["step"]) for e in log if e["template"] in notices] == [
        ("hazard.listed", "list"), ("hazard.deadline_changed", "grant_extension"),
    ]  # fmt: skip
    read = next(e for e in log if e["step"] == "interview" and e["recipient"] == "committee:330500")
    assert read["read_by"].startswith("account:") and read["read_at"] is not None
    latest = {t["key"]: t["version"] for t in await _get(system, "/templates", "deqing-yjj")}
    assert all(e["template_version"] == latest[e["template"]] for e in log)  # each names the wording it used
    assert all(e["channel"] == "inbox" and e["status"] == "delivered" for e in log)
    assert {e["attempted_at"][:10] for e in log if e["step"] == "urge"} == {"2024-10-08"}

    exported = await system.client.get(
        f"{NOTIFY}/deliveries/export", params={"item_type": "hazard", "item_id": hazard["id"]},
        headers=await system.login("deqing-yjj"),
    )  # fmt: skip
    assert exported.status_code == 200 and exported.headers["content-disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(exported.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].endswith("送达记录（截至 2024-10-25 10:00）")  # the title row: the item and the moment
    assert rows[1][:4] == ("序号", "时间", "环节", "收件人") and len(rows) - 2 >= len(log)
    assert ("interview", "committee:330500") in {(row[2], row[3]) for row in rows[2:]}

    # Each 督办 step is also a record (issue 20): the 催办 and a numbered 通报 by the lister's 安委办,
    # and a 约谈 the city's 安委办 must schedule within 10 working days, with reminders of its own.
    acts = await _get(system, "/supervision/acts", "huzhou-ajb", item_type="hazard", item_id=hazard["id"])
    by_kind = {act["kind"]: act for act in acts["items"]}
    assert set(by_kind) == {"urge", "bulletin", "interview"} and all(a["automatic"] for a in acts["items"])
    assert by_kind["bulletin"]["issuer"] == "committee:330521" and by_kind["bulletin"]["number"].startswith("〔2024〕")
    interview = by_kind["interview"]
    assert (interview["state"], interview["issuer"], interview["step"]) == (
        "to_schedule",
        "committee:330500",
        "组织约谈",
    )
    assert interview["step_due_at"] == "2024-11-08T23:59:59+08:00"  # 10 工作日 from Friday 25 Oct
    planned = await _get(system, "/reminders", "huzhou-ajb", item_type="interview", item_id=interview["id"])
    assert {r["step"]: r["due_at"][:10] for r in planned} == {"warn_3": "2024-11-05", "urge": "2024-11-11"}
    schedule = {
        "scheduled_for": "2024-11-01T09:30:00+08:00", "place": "湖州市应急管理局会议室",
        "interviewers": [{"name": "陈晓东", "position": "湖州市安委办副主任"}],
        "interviewees": [{"name": "王强", "position": "企业主要负责人"}], "issues": ["隐患超期 25 天未整改"],
    }  # fmt: skip
    url = f"{NOTIFY}/supervision/acts/{interview['id']}/schedule"
    nameless = await system.client.post(url, json=schedule, headers=await system.login("huzhou-ajb"))
    assert nameless.status_code == 422 and nameless.json()["code"] == "issuer-name-required"
    county = await system.client.post(url, json=schedule, headers=await system.login("deqing-ajb"))
    assert county.status_code == 403 and county.json()["code"] == "not-the-authority"  # the level above's to hold
    scheduled = await _ok(system, url, "huzhou-ajb", {**schedule, "issuer_name": "湖州市安全生产委员会办公室"})
    assert scheduled["state"] == "scheduled" and scheduled["interview"]["interviewee"]["enterprise_code"] == ENTERPRISE
    assert scheduled["step_due_at"] == interview["step_due_at"]  # scheduling does not stop the clock


@pytest.mark.asyncio
async def test_a_tip_off_not_decided_in_time_is_urged_to_its_department_and_never_to_the_enterprise(system):
    system.clock.freeze(at(9, 2, 9))
    receipt = await submit(system)  # about the demo enterprise; decision due Mon 9 Sep 23:59:59
    number = await tip_off_id(system, receipt, await system.login("deqing-yjj"))

    async def planned():
        params = {"item_type": "tip_off", "item_id": number}
        response = await system.client.get(
            f"{NOTIFY}/reminders", params=params, headers=await system.login("deqing-yjj")
        )
        steps = {r["step"]: r for r in response.json()} if response.status_code == 200 else {}
        return steps if {"warn_1", "urge"} <= set(steps) else None

    steps = await until(planned)
    assert (steps["warn_1"]["due_at"], steps["urge"]["due_at"]) == (
        "2024-09-08T09:00:00+08:00", "2024-09-10T09:00:00+08:00",
    )  # fmt: skip

    system.clock.freeze(at(9, 10))

    async def urged():
        inbox = await _get(system, "/inbox", "deqing-yjj", limit=500)
        mine = [i for i in inbox["items"] if i["item_type"] == "tip_off" and i["item_id"] == number]
        return mine if any(i["title"] == "举报办理超期催办" for i in mine) else None

    told = await until(urged)
    urge = next(i for i in told if i["title"] == "举报办理超期催办")
    assert "作出受理或不予受理决定" in urge["text"] and f"举报（编号 {number}）" in urge["text"]
    assert receipt["receipt_code"] not in urge["text"]  # the receipt opens the case: it is not spread to inboxes
    enterprise = await _get(system, "/inbox", "demo-enterprise", limit=500)
    assert not [i for i in enterprise["items"] if i["item_type"] == "tip_off"]  # the reported unit never hears of it

    # The 催办 is a record on the tip-off's own trail, addressed to the handling department alone.
    [act] = (await _get(system, "/supervision/acts", "deqing-yjj", item_type="tip_off", item_id=number))["items"]
    assert (act["kind"], {p["address"] for p in act["parties"]}) == ("urge", {"department:330521:emergency"})
    hidden = await _get(system, "/supervision/acts", "demo-enterprise", item_type="tip_off", item_id=number)
    assert hidden["items"] == []

    async def on_trail():
        history = await system.client.get(
            f"/api/v1/reports/tip-offs/{number}/history", headers=await system.login("deqing-yjj")
        )  # fmt: skip
        return [e for e in history.json() if e["action"] == "supervision.urge.issue"] or None

    [entry] = await until(on_trail)
    assert entry["payload"]["kind_title"] == "催办" and entry["actor"] == "service:notify"


# ------------------------------------------------------------------ issue 17: unpublished years


async def _listed_on_2026_12_01(system, order_no: str | None = None) -> dict:
    """A 重大 hazard of the demo enterprise, found 2026-11-30, confirmed (``order_no``, else one
    numbered by the hazard) and listed on 2026-12-01 with its deadline on Thu 2027-09-30, under the
    county's emergency bureau: before the 2027 holiday notice."""
    hazard = await _ok(system, HAZARDS, "demo-enterprise", LEAK | {"found_at": "2026-11-30T08:30:00+08:00"})
    url = f"{HAZARDS}/{hazard['id']}"
    order = {"order_no": order_no or f"德应急责改〔2026〕{hazard['id']}号"}
    await _ok(system, f"{url}/confirm_major", "deqing-yjj", order)
    departments = await system.client.get(
        "/api/v1/hazards/departments", params={"region_prefix": "330521", "kind": "emergency"},
        headers=await system.login("admin"),
    )  # fmt: skip
    supervising = next(d["id"] for d in departments.json()["items"] if d["region_code"] == "330521")
    listing = {
        "notice_no": f"〔2026〕{hazard['id']}号", "listed_on": "2026-12-01", "deadline": "2027-09-30",
        "measures": "恢复报警联锁", "responsible_unit": "德清示范企业", "responsible_person": "王强",
        "supervising_department_id": supervising,
    }  # fmt: skip
    await _ok(system, f"{url}/list", "deqing-yjj", listing)
    return hazard


async def _plan_of(system, hazard: int, count: int) -> dict[str, dict]:
    async def planned():
        reminders = [r for r in await _reminders(system, hazard) if r["state"] == "pending"]
        return {r["step"]: r for r in reminders} if len(reminders) == count else None

    return await until(planned)


@pytest.mark.asyncio
async def test_reminders_counted_before_the_2027_notice_are_provisional_and_loading_2027_re_plans_them(system):
    """Acceptance 4 (issue 17). Listed on 2026-12-01 with deadline Thu 2027-09-30, before the 2027
    notice: 催办 is the working day after by 2027's statutory holidays (国庆 10-01..03) and weekends
    — Mon 10-04 — and provisional. Loading a 2027 arrangement that closes 1–7 October moves it to
    10-08 and the record says so (it stayed 10-01 and was never re-planned before). The arrangement
    loaded is a TEST FIXTURE: 2027's statutory days (as the service lists them) plus 10-04..07."""
    system.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    admin = await system.login("nation-admin")
    hazard = await _listed_on_2026_12_01(system, "德应急责改〔2026〕91号")

    before = await _plan_of(system, hazard["id"], 6)
    assert {step: (r["due_at"][:10], r["provisional"]) for step, r in before.items()} == {
        "warn_15": ("2027-09-15", False),  # 日 before the deadline: no holiday counted
        "warn_7": ("2027-09-23", False),
        "warn_3": ("2027-09-27", False),
        "urge": ("2027-10-04", True),  # was 2027-10-01 (国庆), counted Monday–Friday
        "bulletin": ("2027-10-08", True),
        "interview": ("2027-10-22", True),
    }

    years = (await system.client.get("/api/v1/hazards/calendar/years", headers=admin)).json()["years"]
    statutory = [d["day"] for y in years if y["year"] == 2027 for d in y["statutory_holidays"]]
    golden_week = ["2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"]
    fixture = {"holidays": statutory + golden_week, "makeup_workdays": [], "source": "测试用放假安排（非真实通知）"}
    try:
        loaded = await system.client.put("/api/v1/hazards/calendar/years/2027", json=fixture, headers=admin)
        assert loaded.status_code == 200, loaded.text

        async def replanned():
            plan = await _plan_of(system, hazard["id"], 6)
            return plan if not plan["urge"]["provisional"] else None

        after = await until(replanned)
        assert {step: (r["due_at"][:10], r["provisional"]) for step, r in after.items()} == {
            "warn_15": ("2027-09-15", False),
            "warn_7": ("2027-09-23", False),
            "warn_3": ("2027-09-27", False),
            "urge": ("2027-10-08", False),
            "bulletin": ("2027-10-14", False),
            "interview": ("2027-10-28", False),
        }
        urge = after["urge"]
        assert urge["replanned_from"] == "2027-10-04T09:00:00+08:00" and urge["replanned_at"] is not None
        assert "2027 年放假调休安排已加载" in urge["note"] and "2027-10-08" in urge["note"]
        assert after["warn_15"]["replanned_at"] is None  # what the load does not move stays as it was
    finally:
        removed = await system.client.delete("/api/v1/hazards/calendar/years/2027", headers=admin)
        assert removed.status_code == 204, removed.text

    async def undone():
        plan = await _plan_of(system, hazard["id"], 6)
        return plan if plan["urge"]["provisional"] else None

    back = await until(undone)  # the load undone: the statutory days again, provisional again
    assert (back["urge"]["due_at"][:10], back["bulletin"]["due_at"][:10]) == ("2027-10-04", "2027-10-08")
    assert "撤销" in back["urge"]["note"]


@pytest.mark.asyncio
async def test_a_tip_off_limit_running_into_an_unpublished_year_is_provisional_and_counted_again_on_loading(system):
    """Received Wed 2026-12-30, before the 2027 notice: the five working days to decide run over
    New Year's Day (statutory) to Thu 2027-01-07 — provisional on the tip-off, on the deadline
    board and in its reminders. A 2027 arrangement with Sat 01-02 as a make-up workday (a TEST
    FIXTURE) ends it a day earlier; the tip-off's trail says so and the board follows."""
    system.clock.freeze(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
    admin, handler = await system.login("nation-admin"), await system.login("deqing-yjj")
    number = await tip_off_id(system, await submit(system), handler)
    tip_off_url = f"/api/v1/reports/tip-offs/{number}"

    tip_off = (await system.client.get(tip_off_url, headers=handler)).json()
    assert (tip_off["step_due_at"], tip_off["step_provisional"]) == ("2027-01-07T23:59:59+08:00", True)

    async def on_the_board(due: str, provisional: bool):
        board = await _board(system, "deqing-yjj")
        row = next((i for i in board if (i["item_type"], i["item_id"]) == ("tip_off", number)), None)
        return row if row and (row["deadline_at"], row["deadline_provisional"]) == (due, provisional) else None

    await until(lambda: on_the_board("2027-01-07T23:59:59+08:00", True))
    years = (await system.client.get("/api/v1/hazards/calendar/years", headers=admin)).json()["years"]
    statutory = [d["day"] for y in years if y["year"] == 2027 for d in y["statutory_holidays"]]
    fixture = {"holidays": statutory, "makeup_workdays": ["2027-01-02"], "source": "测试用放假安排（非真实通知）"}
    try:
        loaded = await system.client.put("/api/v1/hazards/calendar/years/2027", json=fixture, headers=admin)
        assert loaded.status_code == 200, loaded.text

        async def recounted():
            tip_off = (await system.client.get(tip_off_url, headers=handler)).json()
            return tip_off if not tip_off["step_provisional"] else None

        tip_off = await until(recounted)
        assert tip_off["step_due_at"] == "2027-01-06T23:59:59+08:00"
        trail = (await system.client.get(f"{tip_off_url}/history", headers=handler)).json()
        recount = next(entry for entry in trail if entry["action"] == "recount_step")
        assert (recount["payload"]["from_step_due_at"], recount["payload"]["to_step_due_at"]) == (
            "2027-01-07T23:59:59+08:00",
            "2027-01-06T23:59:59+08:00",
        )
        await until(lambda: on_the_board("2027-01-06T23:59:59+08:00", False))
    finally:
        removed = await system.client.delete("/api/v1/hazards/calendar/years/2027", headers=admin)
        assert removed.status_code == 204, removed.text
    # Withdrawn, the limit is provisional again, on the tip-off and on the board — and nothing of
    # the withdrawal is left in flight when a later test sets the clock back before it.
    await until(lambda: on_the_board("2027-01-07T23:59:59+08:00", True))


@pytest.mark.asyncio
async def test_a_step_with_nobody_to_tell_fails_and_is_surfaced_to_the_regions_admins_and_committee(embedded):
    """Issue 17: a 重大 hazard from old ledger data — no supervising department, no lister — climbed
    its ladder with 约谈 "sent" to nobody. Now the step fails, the delivery log says undeliverable,
    and the county's admins and 安委办 are told. (Hazards now always name a supervising department,
    so the old data is played as the event it would publish; embedded: signed as the hazards service.)"""
    from identity.config import DEMO_SERVICE_SECRET
    from qingling.hazard_events import HazardChanged

    form = {
        "grant_type": "client_credentials", "client_id": "service:hazards",
        "client_secret": DEMO_SERVICE_SECRET.get_secret_value(), "audience": "urn:qingling:notify",
    }  # fmt: skip
    token = (await embedded.client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
    hazard_id = 917_017
    old = HazardChanged(
        hazard_id=hazard_id, seq=1, action="import", state="rectifying", state_title="整改中", previous_state=None,
        grade="major", source="ledger", source_ref=None, title="旧台账导入的重大隐患", enterprise_code="",
        region_code="330521", industry="industry_trade", lister_region_code=None, supervising_department=None,
        deadline_at=datetime(2024, 6, 28, 23, 59, 59, tzinfo=SHANGHAI), deadline_provisional=False, step=None,
        step_due_at=None, production_suspended=False, closed=False,
    )  # fmt: skip
    envelope = old.envelope(
        subject=f"hazard/{hazard_id}", source="hazards", occurred_at=datetime(2024, 6, 1, tzinfo=SHANGHAI)
    )
    posted = await embedded.client.post(
        f"{NOTIFY}/events", json=envelope.model_dump(mode="json"), headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 200, posted.text
    try:
        await _sent_by(embedded, hazard_id, datetime(2024, 7, 31, 10, 0, tzinfo=SHANGHAI))  # past D+15 工作日
        steps = {r["step"]: r for r in await _reminders(embedded, hazard_id)}
        assert {step: r["state"] for step, r in steps.items()} == dict.fromkeys(
            ["warn_15", "warn_7", "warn_3", "urge", "bulletin", "interview"], "failed"
        )  # no enterprise, department or lister: nobody for any step — and none marked sent
        assert all(r["sent_at"] is None and "没有收件人" in r["note"] for r in steps.values())

        log = await _get(embedded, "/deliveries", "deqing-yjj", item_type="hazard", item_id=hazard_id)
        interview = [e for e in log if e["step"] == "interview"]
        assert [(e["status"], e["recipient"]) for e in interview] == [
            ("undeliverable", "nobody:above_lister,lister"),
            ("delivered", "admins:330521"), ("delivered", "committee:330521"),
        ]  # fmt: skip
        assert "挂牌机关" in interview[0]["error"]
        inbox = await _get(embedded, "/inbox", "deqing-admin", limit=500)
        alerts = [i for i in inbox["items"] if i["item_id"] == hazard_id and i["kind"] == "alert"]
        assert {a["title"] for a in alerts} >= {"约谈无人可送：旧台账导入的重大隐患"}
    finally:
        embedded.clock.reset()


@pytest.mark.asyncio
async def test_a_ladder_interview_to_hold_in_an_unpublished_year_is_provisional_until_the_year_is_loaded(system):
    """The ladder's 约谈 (issue 20) has ten working days to be held, counted like any limit: from
    Fri 2027-10-22, before the 2027 notice, by 2027's statutory days only — provisional, on the act
    and on its board row. Loading a 2027 arrangement counts it again: no longer provisional, and
    the act's trail says why. The arrangement is the TEST FIXTURE of the test above."""
    system.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    hazard = await _listed_on_2026_12_01(system)

    async def unpublished():  # an earlier test's 2027 load may still be on its way out of notify's copy
        plan = await _plan_of(system, hazard["id"], 6)
        return plan if plan["urge"]["provisional"] else None

    await until(unpublished)
    system.clock.freeze(datetime(2027, 10, 22, 10, 0, tzinfo=SHANGHAI))  # the provisional 约谈 step's day

    async def interview():
        acts = await _get(system, "/supervision/acts", "huzhou-ajb", item_type="hazard", item_id=hazard["id"])
        return next((a for a in acts["items"] if a["kind"] == "interview"), None)

    act = await until(interview)
    assert (act["state"], act["step_provisional"]) == ("to_schedule", True)
    board = await _get(system, "/deadlines", "huzhou-ajb", limit=500)
    row = next(i for i in board["items"] if i["item_type"] == "interview" and i["item_id"] == act["id"])
    assert row["deadline_provisional"] is True and row["deadline_at"] == act["step_due_at"]

    admin = await system.login("nation-admin")  # signed in at the moment it acts
    years = (await system.client.get("/api/v1/hazards/calendar/years", headers=admin)).json()["years"]
    statutory = [d["day"] for y in years if y["year"] == 2027 for d in y["statutory_holidays"]]
    golden_week = ["2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"]
    fixture = {"holidays": statutory + golden_week, "makeup_workdays": [], "source": "测试用放假安排（非真实通知）"}
    try:
        loaded = await system.client.put("/api/v1/hazards/calendar/years/2027", json=fixture, headers=admin)
        assert loaded.status_code == 200, loaded.text

        async def counted():
            again = await _get(system, f"/supervision/acts/{act['id']}", "huzhou-ajb")
            return again if not again["step_provisional"] else None

        again = await until(counted)
        trail = await _get(system, f"/supervision/acts/{act['id']}/trail", "huzhou-ajb")
        recount = next(e for e in trail if e["action"] == "recount_step")
        assert "2027 年放假调休安排已加载" in recount["reason"] and recount["payload"]["provisional"] is False
        board = await _get(system, "/deadlines", "huzhou-ajb", limit=500)
        row = next(i for i in board["items"] if i["item_type"] == "interview" and i["item_id"] == act["id"])
        assert row["deadline_provisional"] is False and row["deadline_at"] == again["step_due_at"]
    finally:
        removed = await system.client.delete("/api/v1/hazards/calendar/years/2027", headers=admin)
        assert removed.status_code == 204, removed.text

    async def provisional_again():  # the withdrawal has reached notify before the clock moves on
        again = await _get(system, f"/supervision/acts/{act['id']}", "huzhou-ajb")
        return again if again["step_provisional"] else None

    await until(provisional_again)
    system.clock.reset()
