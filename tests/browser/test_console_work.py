"""A county clerk's day in the console: My work lists what waits for their department — a hazard
an enterprise self-reported, a tip-off routed to them — with the deadline of each step and the
time left; the hazard list filters by a state chosen by its Chinese name and counts what it finds."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import httpx
from browser_pages import DESK, PHONE, axe, console, screenshot
from playwright.sync_api import expect

MAJOR = {
    "grade": "major", "basis_standard": "GM2023", "basis_clause": "第四条(一)",
    "report": {"condition": "有限空间作业未检测", "harm": "可能中毒窒息，需停工整改", "plan": "先通风检测后作业"},
}  # fmt: skip


def _work(site) -> tuple[str, dict]:
    """A 重大 hazard the demo enterprise reported (德清县应急管理局 to confirm it) and a tip-off
    routed to 德清县应急管理局 (to sign it): the hazard's title and the tip-off as the clerk reads it."""
    title = f"污水池有限空间作业未检测 {secrets.token_hex(2)}"
    report = {
        "title": title,
        "description": "清淤作业前未进行气体检测",
        "found_at": "2024-09-02T08:30:00+08:00",
    } | MAJOR
    reported = httpx.post(f"{site.url}/api/v1/hazards/hazards", json=report, headers=site.bearer("demo-enterprise"))
    assert reported.status_code == 201, reported.text
    notice = httpx.get(f"{site.url}/api/v1/reports/privacy-notice").json()
    tip_off = {
        "channel": "h5", "category": "major_hazard", "region_code": "330521", "enterprise_code": "91330521MA2B3C4D5Q",
        "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
        "consent": {"notice_version": notice["version"], "agreed": True},
    }  # fmt: skip
    filed = httpx.post(
        f"{site.url}/api/v1/reports/tip-offs", json=tip_off, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert filed.status_code == 201, filed.text
    clerk = site.bearer("deqing-yjj")
    found = httpx.get(
        f"{site.url}/api/v1/reports/tip-offs", params={"receipt_code": filed.json()["receipt_code"]}, headers=clerk
    )
    return title, found.json()["items"][0]


def test_my_work_shows_what_waits_for_the_county_with_its_deadlines(open_page, site):
    title, tip_off = _work(site)
    assert tip_off["allowed_actions"] and tip_off["step_due_at"]

    page = console(open_page, viewport=DESK)
    hazard = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))
    expect(hazard).to_contain_text("确认重大隐患并下达限期整改指令")  # what the clerk may do, in words
    tip = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=f"举报 {tip_off['id']}：", exact=False))
    expect(tip).to_contain_text("签收")
    expect(tip).to_contain_text("作出受理或不予受理决定：")  # the step, its working-day deadline …
    expect(tip).to_contain_text("还剩 5 个工作日")  # … and the time left: received today, 5 工作日 to decide
    assert axe(page) == []
    screenshot(page, "console-work-1280")

    tip.get_by_role("link").click()
    expect(page).to_have_url(f"{site.url}/console/#/tip-offs/{tip_off['id']}")

    phone = console(open_page, viewport=PHONE)
    expect(phone.get_by_role("link", name=title)).to_be_visible()
    assert axe(phone) == []
    screenshot(phone, "console-work-360")


def test_the_hazard_list_filters_by_a_state_in_words_and_counts(open_page, site):
    _work(site)
    query = {"state": "reported", "limit": 1}
    reported = httpx.get(f"{site.url}/api/v1/hazards/hazards", params=query, headers=site.bearer("deqing-yjj"))
    page = console(open_page, viewport=DESK)
    page.get_by_role("link", name="隐患", exact=True).click()
    expect(page.get_by_role("heading", name="隐患", exact=True)).to_be_visible()
    page.get_by_label("状态").select_option(label="已上报")
    expect(page.get_by_role("heading", name=f"共 {reported.json()['total']} 件隐患")).to_be_visible()
    expect(page.get_by_role("table").get_by_text("已上报").first).to_be_visible()
    assert axe(page) == []
    screenshot(page, "console-hazards-1280")

    with page.expect_download() as download:  # the filter's hazards, every page, a Chinese header row
        page.get_by_role("button", name="导出 CSV").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("隐患编号,隐患名称,企业名称") and len(rows) == 1 + reported.json()["total"]
    assert all(",已上报," in row for row in rows[1:])

    clerk, query = site.bearer("deqing-yjj"), {"state": "received", "limit": 1}
    waiting = httpx.get(f"{site.url}/api/v1/reports/tip-offs", params=query, headers=clerk).json()["total"]
    page.get_by_role("link", name="举报", exact=True).click()
    page.get_by_label("状态").select_option(label="已接收（待签收）")
    expect(page.get_by_role("heading", name=f"共 {waiting} 件举报")).to_be_visible()
    assert axe(page) == []
    screenshot(page, "console-tip-offs-1280")
