"""The ledgers (issue 19): the 重大事故隐患清单 and the 挂牌督办清单 of a jurisdiction, as JSON,
CSV and .xlsx — the files read back equal the JSON row for row (acceptance 4, the ledgers' part);
a city sees both counties, a county only its own; the title names the jurisdiction and the
moment; the header row is frozen."""

import csv
import io
import itertools
import secrets
from datetime import date, datetime
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from qingling.clock import SHANGHAI

H = "/api/v1/hazards"
LEDGERS = f"{H}/ledgers"
DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"  # 德清, 工贸; the only enterprise with a user (demo-enterprise)
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
SERIALS = itertools.count(1000 + secrets.randbelow(8000))
PLAN = {
    "goals": "消除粉尘爆炸隐患",
    "measures": "更换除尘系统并加装泄爆装置",
    "funds_and_materials": "投入资金 20 万元",
    "people": "总经理负总责，设备部具体负责",
    "time_limit": "2025 年 3 月底前完成",
    "safety_measures": "整改期间停用打磨工位",
}


def _major(title: str, clause: str, enterprise_id: int | None = None) -> dict:
    body = {
        "title": title,
        "description": f"{title}：现场检查发现，须停产整改",
        "grade": "major",
        "basis_standard": "GM2023",
        "basis_clause": clause,
        "found_at": "2025-02-20T10:00:00+08:00",
        "report": {"condition": "现状及原因说明", "harm": "可能引发粉尘爆炸，整改难度较大", "plan": "停产更换设备"},
    }
    return body | ({"enterprise_id": enterprise_id} if enterprise_id else {})


async def _ok(system, url: str, who: str, body: dict | None = None) -> dict:
    response = await system.client.post(url, json=body, headers=await system.login(who))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _get(system, url: str, who: str, **params) -> dict:
    response = await system.client.get(url, params=params, headers=await system.login(who))
    assert response.status_code == 200, response.text
    return response.json()


async def _enterprise(system, region: str, who: str, skip: str | None = None) -> int:
    found = await _get(system, f"{H}/enterprises", who, region_prefix=region, industry="industry_trade", limit=50)
    return next(e["id"] for e in found["items"] if e["credit_code"] != skip)


async def _department(system, region: str) -> int:
    found = await _get(system, f"{H}/departments", "admin", region_prefix=region, kind="emergency")
    return next(d["id"] for d in found["items"] if d["region_code"] == region)


async def _listed(system, hazard: int, who: str, notice: str, deadline: str, region: str, unit: str) -> None:
    url = f"{H}/hazards/{hazard}"
    await _ok(system, f"{url}/confirm_major", who, {"order_no": f"限改〔2025〕{hazard}号"})
    listing = {
        "notice_no": notice, "listed_on": "2025-03-03", "deadline": deadline, "measures": "停产更换除尘系统",
        "responsible_unit": unit, "responsible_person": "王强",
        "supervising_department_id": await _department(system, region),
    }  # fmt: skip
    await _ok(system, f"{url}/list", who, listing)


async def _seed(system) -> dict[str, int]:
    """德清: one listed, extended and closed (the demo enterprise), one listed, one only confirmed;
    吴兴: one listed, one only reported."""
    system.clock.freeze(NOW)
    deqing_other = await _enterprise(system, "330521", "deqing-yjj", skip=DEMO_ENTERPRISE)
    wuxing = await _enterprise(system, "330502", "wuxing-yjj")
    serial = next(SERIALS)  # notice numbers of their own on this system

    closed = await _ok(system, f"{H}/hazards", "demo-enterprise", _major("打磨车间除尘系统未泄爆", "第五条(一)"))
    await _listed(system, closed["id"], "deqing-yjj", f"〔2025〕{serial}号", "2025-03-31", "330521", "德清示范企业")
    url = f"{H}/hazards/{closed['id']}"
    await _ok(system, f"{url}/submit_plan", "demo-enterprise", PLAN)
    await _ok(system, f"{url}/accept_plan", "deqing-yjj")
    extension = {"requested_deadline": "2025-04-15", "reason": "泄爆装置到货延迟"}
    await _ok(system, f"{url}/request_extension", "demo-enterprise", extension)
    await _ok(system, f"{url}/grant_extension", "deqing-yjj", {"reason": "理由充分，同意延期至 4 月 15 日"})
    completion = {"summary": "已更换除尘系统并加装泄爆片", "evaluated_by": "in_house_experts", "evaluation": "整改到位"}
    await _ok(system, f"{url}/apply_completion", "demo-enterprise", completion)
    await _ok(system, f"{url}/start_review", "deqing-yjj")
    await _ok(system, f"{url}/pass_review", "deqing-yjj", {"findings": "现场复核：整改到位"})
    await _ok(system, f"{url}/check_close_out", "deqing-yjj", {"findings": "整改到位，同意销号"})
    await _ok(system, f"{url}/close", "deqing-yjj", {"opinion": "同意销号，予以摘牌"})

    listed = await _ok(
        system, f"{H}/hazards", "deqing-yjj", _major("涉爆粉尘车间未设防爆电气", "第五条(二)", deqing_other)
    )
    await _listed(
        system, listed["id"], "deqing-yjj", f"〔2025〕{next(SERIALS)}号", "2025-06-30", "330521", "德清某公司"
    )
    confirmed = await _ok(
        system, f"{H}/hazards", "deqing-yjj", _major("铝镁粉尘未防水防潮", "第五条(三)", deqing_other)
    )
    await _ok(system, f"{H}/hazards/{confirmed['id']}/confirm_major", "deqing-yjj", {"order_no": "限改〔2025〕7号"})

    wuxing_listed = await _ok(
        system, f"{H}/hazards", "wuxing-yjj", _major("粉尘爆炸危险场所设在居民区", "第五条(一)", wuxing)
    )
    await _listed(
        system, wuxing_listed["id"], "wuxing-yjj", f"〔2025〕{serial}号", "2025-05-31", "330502", "吴兴某公司"
    )
    reported = await _ok(system, f"{H}/hazards", "wuxing-yjj", _major("除尘器未设锁气卸灰装置", "第五条(四)", wuxing))
    return {
        "closed": closed["id"], "listed": listed["id"], "confirmed": confirmed["id"],
        "wuxing_listed": wuxing_listed["id"], "wuxing_reported": reported["id"],
    }  # fmt: skip


def _as_sheet(value, kind: str):
    """A JSON value as the .xlsx cell openpyxl reads back."""
    if value is None:
        return None
    if kind == "date":
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    if kind == "datetime":
        return datetime.fromisoformat(value).astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
    if kind == "boolean":
        return "是" if value else "否"
    return value


def _as_csv(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "datetime":
        return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if kind == "boolean":
        return "是" if value else "否"
    return str(value)


def _expected(ledger: dict, convert) -> list[list]:
    return [
        [number] + [convert(item[c["key"]], c["kind"]) for c in ledger["columns"]]
        for number, item in enumerate(ledger["items"], start=1)
    ]


async def _download(system, path: str, who: str, fmt: str, **params):
    response = await system.client.get(
        f"{LEDGERS}/{path}", params={"format": fmt, **params}, headers=await system.login(who)
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.asyncio
async def test_each_ledger_as_xlsx_and_csv_equals_the_json_row_for_row(system):
    ids = await _seed(system)
    listed = {ids["closed"], ids["listed"], ids["wuxing_listed"]}
    for path, title, wanted in (
        ("major-hazards", "湖州市重大事故隐患清单", set(ids.values())),
        ("listed-hazards", "湖州市挂牌督办重大事故隐患清单", listed),
    ):
        await _round_trip(system, path, title, wanted, set(ids.values()) - wanted)


async def _round_trip(system, path: str, title: str, wanted: set[int], unwanted: set[int]) -> None:
    ledger = await _get(system, f"{LEDGERS}/{path}", "huzhou-ajb")
    assert ledger["region_name"] == "湖州市" and ledger["title"] == f"{title}（截至 2025-03-03 09:00）"
    items = ledger["items"]
    assert (ledger["total"], ledger["closed"]) == (len(items), sum(i["state"] == "closed" for i in items))
    assert (ledger["open"], ledger["overdue"]) == (len(items) - ledger["closed"], sum(i["overdue"] for i in items))
    assert ledger["prepared_by"] == "湖州市安委办" and ledger["summary"] == (
        f"填报单位：湖州市安委办　　共 {ledger['total']} 项：未销号 {ledger['open']} 项"
        f"（其中超期 {ledger['overdue']} 项），已销号 {ledger['closed']} 项"
    )
    mine = {row["hazard_id"] for row in ledger["items"]}
    assert wanted <= mine and not unwanted & mine  # the city sees both counties

    xlsx = await _download(system, path, "huzhou-ajb", "xlsx")
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = xlsx.headers["content-disposition"]
    assert disposition.startswith(f"attachment; filename=\"{path}-330500-20250303-0900.xlsx\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == f"{ledger['title'].split('（')[0]}_20250303-0900.xlsx"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.freeze_panes == "A4"  # the title, the line under it and the header row stay in view
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == ledger["title"] and rows[1][0] == ledger["summary"]
    assert rows[2] == ["序号"] + [c["header"] for c in ledger["columns"]]
    assert rows[3:] == _expected(ledger, _as_sheet)

    text = await _download(system, path, "huzhou-ajb", "csv")
    assert text.headers["content-type"] == "text/csv; charset=utf-8" and text.content.startswith(b"\xef\xbb\xbf")
    assert text.headers["content-disposition"].endswith(".csv")
    lines = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert lines[0] == ["序号"] + [c["header"] for c in ledger["columns"]]
    assert lines[1:] == [[str(cell) for cell in row] for row in _expected(ledger, _as_csv)]


@pytest.mark.asyncio
async def test_the_ledgers_carry_the_steps_deadlines_and_extensions_and_a_county_sees_only_its_own(system):
    ids = await _seed(system)
    city = {row["hazard_id"]: row for row in (await _get(system, f"{LEDGERS}/major-hazards", "huzhou-yjj"))["items"]}
    closed = city[ids["closed"]]
    assert closed["enterprise_code"] == DEMO_ENTERPRISE and closed["region_name"].startswith("德清县")
    assert (closed["state"], closed["state_title"], closed["closed_on"]) == ("closed", "已销号", "2025-03-03")
    assert closed["basis_standard_name"] == "工贸企业重大事故隐患判定标准（应急管理部令第10号）"
    assert (closed["basis_clause"], closed["found_on"], closed["source"]) == ("第五条(一)", "2025-02-20", "self_report")
    assert closed["listed"] and closed["lister"] == "德清县应急管理局" and closed["supervising_department"]
    assert (closed["responsible_person"], closed["measures"]) == ("王强", PLAN["measures"])
    assert closed["deadline"] == "2025-04-15" and not closed["overdue"] and closed["step"] is None

    listed = city[ids["listed"]]
    assert (listed["state"], listed["step"], listed["step_due_on"]) == ("listed", "提交治理方案", "2025-03-18")
    assert listed["deadline"] == "2025-06-30" and listed["closed_on"] is None
    confirmed = city[ids["confirmed"]]
    assert not confirmed["listed"] and confirmed["notice_no"] is None and confirmed["measures"] == "停产更换设备"
    assert city[ids["wuxing_reported"]]["region_name"].startswith("吴兴区")

    board = await _get(system, f"{LEDGERS}/listed-hazards", "huzhou-yjj")
    extended = next(row for row in board["items"] if row["hazard_id"] == ids["closed"])
    assert (extended["original_deadline"], extended["deadline"], extended["extensions_granted"]) == (
        "2025-03-31", "2025-04-15", 1,
    )  # fmt: skip
    assert (extended["extension_requested_to"], extended["extension_decision"]) == ("2025-04-15", "批准")
    assert (extended["responsible_unit"], extended["listed_on"]) == ("德清示范企业", "2025-03-03")

    # A county sees its own rows only, under its own name; another county's region is refused.
    for who, code, name, theirs, others in (
        ("deqing-yjj", "330521", "德清县", {ids["closed"], ids["listed"], ids["confirmed"]}, {ids["wuxing_listed"]}),
        ("wuxing-yjj", "330502", "吴兴区", {ids["wuxing_listed"], ids["wuxing_reported"]}, {ids["listed"]}),
    ):
        ledger = await _get(system, f"{LEDGERS}/major-hazards", who)
        assert ledger["region_name"] == name and ledger["title"].startswith(f"{name}重大事故隐患清单")
        assert all(row["region_code"].startswith(code) for row in ledger["items"])
        seen = {row["hazard_id"] for row in ledger["items"]}
        assert theirs <= seen and not others & seen
        sheet = load_workbook(io.BytesIO((await _download(system, "major-hazards", who, "xlsx")).content)).active
        assert sheet["A1"].value.startswith(f"{name}重大事故隐患清单")
        assert sheet["A2"].value.startswith(f"填报单位：{name}应急管理局")
        codes = {row[2] for row in sheet.iter_rows(min_row=4, values_only=True)}
        assert codes == {r["region_code"] for r in ledger["items"]}
    outside = await system.client.get(
        f"{LEDGERS}/major-hazards", params={"region_code": "330502"}, headers=await system.login("deqing-yjj")
    )
    assert outside.status_code == 403 and outside.json()["code"] == "outside-jurisdiction"

    # The city narrows to one county, and by state, listing and closing dates.
    async def ids_of(path: str, **params) -> set[int]:
        return {row["hazard_id"] for row in (await _get(system, f"{LEDGERS}/{path}", "huzhou-ajb", **params))["items"]}

    deqing = await _get(system, f"{LEDGERS}/major-hazards", "huzhou-ajb", region_code="330521")
    assert deqing["region_name"] == "德清县" and all(r["region_code"].startswith("330521") for r in deqing["items"])
    assert ids["closed"] not in await ids_of("major-hazards", open="true")
    assert ids["closed"] in await ids_of("major-hazards", open="false")
    assert {ids["closed"]} == set(ids.values()) & await ids_of(
        "major-hazards", closed_from="2025-03-03", closed_to="2025-03-03"
    )
    assert not set(ids.values()) & await ids_of("major-hazards", closed_to="2025-03-02")
    assert {ids["closed"], ids["listed"], ids["wuxing_listed"]} <= await ids_of(
        "listed-hazards", listed_from="2025-03-03"
    )
    assert not set(ids.values()) & await ids_of("listed-hazards", listed_to="2025-03-02")
    assert {ids["wuxing_reported"]} == set(ids.values()) & await ids_of("major-hazards", state="reported")
    backwards = await system.client.get(
        f"{LEDGERS}/listed-hazards", params={"listed_from": "2025-03-03", "listed_to": "2025-03-01"},
        headers=await system.login("huzhou-ajb"),
    )  # fmt: skip
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "/listed_to"
