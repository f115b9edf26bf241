"""The 挂牌督办 list and the dashboard of the console: a county regulator sees the hazard it has
just listed — by its notice number and enterprise — exports the list, and reads the figures as
charts whose numbers are in their data tables and whose pictures download as PNG; a city
regulator sees the same on a phone."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from browser_pages import DESK, PHONE, axe, console, screenshot
from hazard_flow import MAJOR_TRADE
from playwright.sync_api import expect

from identity.demo import DEMO_ENTERPRISE, DEMO_PASSWORD
from qingling.clock import SHANGHAI

H = "/api/v1/hazards"


class Api:
    """The site's API as one demo account, for the data the pages then show."""

    def __init__(self, url: str, username: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
        token = self.client.post("/api/v1/identity/oauth/token", data=form).json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, body: dict | None = None, **params) -> dict:
        response = self.client.request(method, path, json=body, params=params)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()


@pytest.fixture(scope="module")
def listed(site) -> dict:
    """A 重大 hazard of the demo enterprise, found and listed today by 德清县应急管理局."""
    api = Api(site.url, "deqing-yjj")
    now = site.clock.now()
    today = now.astimezone(SHANGHAI).date()
    enterprises = api("GET", f"{H}/enterprises", region_prefix="330521", limit=100)["items"]
    enterprise = next(e for e in enterprises if e["credit_code"] == DEMO_ENTERPRISE)
    departments = api("GET", f"{H}/departments", region_prefix="330521", kind="emergency")["items"]
    department = next(d["id"] for d in departments if d["region_code"] == "330521")
    found = (now - timedelta(minutes=1)).isoformat()
    report = {"title": "有限空间作业未检测", "description": "污水池清淤作业前未进行气体检测", "found_at": found,
              "enterprise_id": enterprise["id"], **MAJOR_TRADE}  # fmt: skip
    hazard = api("POST", f"{H}/hazards", report)["id"]
    notice = f"〔{today.year}〕{secrets.randbelow(9000) + 1000}号"  # unique per lister and year
    api("POST", f"{H}/hazards/{hazard}/confirm_major", {"order_no": f"德应急责改{notice}"})
    api("POST", f"{H}/hazards/{hazard}/list", {
        "notice_no": notice, "listed_on": today.isoformat(), "deadline": (today + timedelta(days=30)).isoformat(),
        "measures": "限期消除有限空间作业隐患", "responsible_unit": enterprise["name"], "responsible_person": "周平",
        "supervising_department_id": department,
    })  # fmt: skip
    notice_text = api("GET", "/api/v1/reports/privacy-notice")
    tip_off = {"channel": "h5", "category": "major_hazard", "facts": "车间有人在易燃物旁违规电气焊作业，没有动火审批",
               "enterprise_code": DEMO_ENTERPRISE, "region_code": "330521",
               "consent": {"notice_version": notice_text["version"], "agreed": True}}  # fmt: skip
    filed = httpx.post(f"{site.url}/api/v1/reports/tip-offs", json=tip_off, headers={"Idempotency-Key": str(uuid4())})
    assert filed.status_code == 201, filed.text
    month = today.strftime("%Y-%m")
    figures = api("GET", f"{H}/figures", month=month, grade="major", group_by="grade")["total"]
    received = api("GET", "/api/v1/reports/figures", month=month)["total"]["tip_offs"]["received"]
    return {"id": hazard, "notice": notice, "enterprise": enterprise["name"], "month": month, "figures": figures,
            "tip_offs": received}  # fmt: skip


def test_a_county_regulator_sees_its_listed_hazard_and_the_figures_as_charts(open_page, listed):
    page = console(open_page, "deqing-yjj", DESK)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="挂牌督办").click()
    link = page.get_by_role("link", name=listed["notice"])
    expect(link).to_have_attribute("href", f"#/hazards/{listed['id']}")
    row = page.get_by_role("row").filter(has=link)
    expect(row).to_contain_text(listed["enterprise"])
    expect(row).to_contain_text("德清县应急管理局")
    expect(row).to_contain_text("剩 30 日")
    assert axe(page) == []
    screenshot(page, "console-supervision-1280")

    with page.expect_download() as exported:
        page.get_by_role("button", name="导出 CSV").click()
    text = Path(exported.value.path()).read_text(encoding="utf-8")
    assert exported.value.suggested_filename.endswith(".csv") and text.startswith("\ufeff")
    assert listed["notice"] in text and listed["enterprise"] in text
    page.get_by_label("状态").select_option(label="已销号的")
    expect(link).to_have_count(0)  # the ledger asked again, for the closed ones
    page.get_by_label("状态").select_option(label="全部")
    expect(link).to_be_visible()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计").click()
    zeroing = page.get_by_role("region", name="重大事故隐患动态清零进展", exact=True)
    expect(zeroing.locator("canvas")).to_be_visible()
    zeroing.get_by_role("button", name="显示数据表").click()
    year, month = listed["month"].split("-")
    this_month = zeroing.get_by_role("row", name=f"{year}年{int(month)}月")
    found, closed, open_ = (listed["figures"][key] for key in ("found", "closed", "open_major"))
    assert found >= 1 and open_ >= 1
    expect(this_month.get_by_role("cell")).to_have_text([str(found), str(closed), str(open_)])
    export = zeroing.get_by_role("button", name="导出图片（PNG）")
    expect(export).to_be_enabled()  # once the chart is drawn
    assert page.evaluate("Chart.getChart(document.querySelector('#chart-zeroing')).data.datasets.length") == 3
    with page.expect_download() as picture:
        export.click()
    assert picture.value.suggested_filename.endswith(".png")
    assert Path(picture.value.path()).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    chart = page.get_by_role("region", name="举报办理（按地区）", exact=True)
    expect(chart.get_by_role("button", name="导出图片（PNG）")).to_be_enabled()
    returns = page.get_by_role("region", name="报表报送情况（最近一期）")
    owed = returns.get_by_role("link", name="德清县应急管理局").first  # not submitted: its page, to act on
    expect(owed).to_have_attribute("href", re.compile(r"^#/returns/\d+$"))
    received = page.get_by_role("region", name=f"{year}年{int(month)}月举报").get_by_role("definition").first
    assert listed["tip_offs"] >= 1
    expect(received).to_have_text(f"{listed['tip_offs']} 件")
    assert axe(page) == []
    screenshot(page, "console-dashboard-1280")


def test_a_city_regulator_reads_the_list_and_the_dashboard_on_a_phone(open_page, listed):
    page = console(open_page, "huzhou-yjj", PHONE)
    page.get_by_role("link", name="挂牌督办").click()
    expect(page.get_by_role("link", name=listed["notice"])).to_be_visible()
    assert axe(page) == []
    screenshot(page, "console-supervision-360")

    page.get_by_role("link", name="统计").click()
    expect(page.get_by_role("region", name="超期隐患（按地区）", exact=True).locator("canvas")).to_be_visible()
    expect(page.get_by_role("region", name="报表报送情况（最近一期）")).to_be_visible()
    assert axe(page) == []
    screenshot(page, "console-dashboard-360")
