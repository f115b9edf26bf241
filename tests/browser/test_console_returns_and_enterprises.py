"""A county clerk's return and posters in the console: the weekly return My work lists opens on a
page of its own — kind, period, state and deadline in words, its trail, a button for each action
the API allows — and is prepared through its form, its figures then shown with an Excel file; the
enterprise register found by name hands out each enterprise's A4 report poster as a PDF."""

from __future__ import annotations

from pathlib import Path

import httpx
from browser_pages import DESK, PHONE, axe, console, screenshot
from playwright.sync_api import expect

RETURNS = "/api/v1/hazards/returns"


def test_a_clerk_prepares_the_weekly_return_my_work_lists_on_its_page(site, open_page):
    # The sweep opens each ended week's return for the department; the clerk may prepare it.
    clerk = site.bearer("deqing-yjj")
    waiting = httpx.get(f"{site.url}{RETURNS}", params={"actionable_by": "me", "kind": "weekly"}, headers=clerk).json()
    item = next(i for i in waiting["items"] if "prepare" in i["allowed_actions"])

    page = console(open_page, viewport=DESK)
    page.get_by_role("link", name=item["title"]).click()
    heading = page.get_by_role("heading", level=2)
    expect(heading).to_contain_text(item["title"])
    facts = page.get_by_role("region", name="基本情况")
    expect(facts.get_by_role("row", name="报表")).to_contain_text("周报")
    expect(facts.get_by_role("row", name="报告期")).to_contain_text(item["period_title"])
    expect(facts.get_by_role("row", name="报送给")).to_contain_text("德清县安委办")
    expect(facts.get_by_role("row", name="当前状态")).to_contain_text(item["state_title"])
    expect(facts.get_by_role("row", name="报送期限")).to_contain_text(item["due_at"][:10])
    trail = page.get_by_role("region", name="办理记录")
    expect(trail).to_contain_text("记录完整")
    steps = trail.get_by_role("listitem").count()

    actions = page.get_by_role("region", name="可进行的操作").get_by_role("button")
    expect(actions).to_have_text(["编制报表（按报告期末取数）"])  # a regulator prepares; the leader submits
    actions.first.click()
    form = page.get_by_role("form", name="编制报表（按报告期末取数）")
    form.get_by_label("编制说明").fill("本周隐患排查治理情况")
    form.get_by_role("button", name="确认编制报表").click()

    expect(heading).to_contain_text("已编制待报送")
    expect(trail.get_by_role("listitem")).to_have_count(steps + 1)
    expect(trail.get_by_role("listitem").first).to_contain_text("本周隐患排查治理情况")
    figures = page.get_by_role("region", name="报表数字")
    expect(figures.get_by_role("heading", name="表一", exact=False)).to_be_visible()
    expect(facts.get_by_role("row", name="统计时点")).to_contain_text(item["period_last_day"])
    with page.expect_download() as download:
        figures.get_by_role("button", name="下载 Excel").click()
    assert download.value.suggested_filename == f"{item['title'].replace(' ', '_')}.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # an .xlsx is a zip
    assert axe(page) == []
    screenshot(page, "console-return-1280")


def test_a_clerk_finds_an_enterprise_and_downloads_its_report_poster(site, open_page):
    page = console(open_page, viewport=PHONE)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="企业").click()
    page.get_by_label("企业名称或统一社会信用代码").fill("华峰")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("heading", name="共 1 家企业")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="德清华峰陶瓷有限公司")
    expect(row).to_contain_text("91330521MA2B3C4D5Q")
    expect(row).to_contain_text("工贸")  # the industry in words

    with page.expect_download() as download:
        row.get_by_role("button", name="下载举报海报").click()
    assert download.value.suggested_filename == "举报二维码海报-德清华峰陶瓷有限公司.pdf"
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    assert axe(page) == []
    screenshot(page, "console-enterprises-360")

    row.get_by_role("link", name="德清华峰陶瓷有限公司的隐患").click()
    expect(page.get_by_role("heading", name="隐患", exact=True)).to_be_visible()
    expect(page.get_by_role("form", name="筛选隐患")).to_contain_text("德清华峰陶瓷有限公司")
