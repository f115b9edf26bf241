"""The item pages of the console: a county clerk opens a tip-off and a hazard, sees a button for
exactly the actions the API allows them now, takes them through their forms and reads the new
state in words and the longer trail."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import httpx
import pytest
from browser_pages import DESK, PHONE, axe, console, screenshot
from hazard_flow import MAJOR_TRADE
from PIL import Image
from playwright.sync_api import expect
from tipoff_flow import ENTERPRISE

from qingling.clock import SHANGHAI


def self_reported(site) -> int:
    """A 重大 hazard the demo enterprise has just reported."""
    report = {"title": "污水池有限空间作业未检测", "description": "污水池清淤作业前未进行气体检测",
              "found_at": (site.clock.now() - timedelta(minutes=1)).isoformat(), **MAJOR_TRADE}  # fmt: skip
    hazard = httpx.post(f"{site.url}/api/v1/hazards/hazards", json=report, headers=site.bearer("demo-enterprise"))
    assert hazard.status_code == 201, hazard.text
    return hazard.json()["id"]


@pytest.fixture(scope="module")
def items(site) -> dict:
    """An anonymous tip-off with a photo about a 德清县 enterprise; a 重大 hazard the demo enterprise reported, and
    another that 德清县应急管理局 has confirmed."""
    notice = httpx.get(f"{site.url}/api/v1/reports/privacy-notice").json()
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 20)).save(photo, "JPEG")
    uploaded = httpx.post(f"{site.url}/api/v1/reports/media", files={"file": ("site.jpg", photo.getvalue())})
    assert uploaded.status_code == 201, uploaded.text
    tip_off = httpx.post(f"{site.url}/api/v1/reports/tip-offs", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "channel": "h5", "category": "major_hazard", "enterprise_code": ENTERPRISE, "region_code": "330521",
        "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
        "consent": {"notice_version": notice["version"], "agreed": True}, "media": [uploaded.json()["token"]],
    })  # fmt: skip
    assert tip_off.status_code == 201, tip_off.text
    confirmed = self_reported(site)
    order = {"order_no": f"德应急责改〔{site.clock.now().year}〕{confirmed}号"}
    url = f"{site.url}/api/v1/hazards/hazards/{confirmed}/confirm_major"
    assert httpx.post(url, json=order, headers=site.bearer("deqing-yjj")).status_code == 200
    return {"tip_off": tip_off.json()["tip_off_id"], "hazard": self_reported(site), "confirmed": confirmed}


def action_names(site, path: str, service: str, prefix: str) -> list[str]:
    """The Chinese names of the actions the clerk may take on the item now, as the API says."""
    allowed = httpx.get(site.url + path, headers=site.bearer("deqing-yjj")).json()["allowed_actions"]
    paths = httpx.get(f"{site.url}/api/v1/{service}/openapi.json").json()["paths"]
    return [paths[f"{prefix}/{{item_id}}/{action}"]["post"]["summary"] for action in allowed]


def take(page, action: str, fields: dict[str, str] | None = None) -> None:
    actions = page.get_by_role("region", name="可进行的操作")
    actions.get_by_role("button", name=action, exact=True).click()
    form = page.get_by_role("form", name=action)
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=action if action.startswith("确认") else f"确认{action}").click()


def test_a_clerk_signs_and_accepts_a_tip_off_and_confirms_a_hazard_on_their_pages(site, open_page, items):
    page = console(open_page, viewport=DESK)
    page.goto(f"{site.url}/console/#/tip-offs/{items['tip_off']}")
    heading = page.get_by_role("heading", level=2)
    expect(heading).to_contain_text("已接收（待签收）")
    expect(page.get_by_role("row", name="被举报单位")).to_contain_text("德清华峰陶瓷有限公司")
    photo = page.get_by_role("region", name="照片、视频").get_by_role("img", name=re.compile("举报照片"))
    expect(photo).to_have_js_property("naturalWidth", 64)  # fetched with the clerk's token, shown from a blob
    trail = page.get_by_role("region", name="办理记录")
    expect(trail).to_contain_text("记录完整")
    expect(trail.get_by_role("listitem")).to_have_count(1)
    # Received just now: 5 工作日 to decide on acceptance, today not counted.
    expect(page.get_by_role("row", name="下一步")).to_contain_text("还剩 5 个工作日")

    path = f"/api/v1/reports/tip-offs/{items['tip_off']}"
    buttons = page.get_by_role("region", name="可进行的操作").get_by_role("button")
    expected = action_names(site, path, "reports", "/api/v1/reports/tip-offs")
    assert "签收" in expected and "受理" not in expected
    expect(buttons).to_have_text(expected)

    take(page, "签收")
    expect(heading).to_contain_text("已签收（待受理）")
    expect(trail.get_by_role("listitem")).to_have_count(2)
    take(page, "受理")
    expect(heading).to_contain_text("核查中")
    expect(trail.get_by_role("listitem").first).to_contain_text("受理")
    expect(trail.get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("row", name="受理部门")).to_contain_text("德清县应急管理局")
    assert axe(page) == []
    screenshot(page, "console-item-1280")

    page.goto(f"{site.url}/console/#/hazards/{items['hazard']}")
    expect(heading).to_contain_text("已上报")
    expect(page.get_by_role("region", name="基本情况")).to_contain_text("德清华峰陶瓷有限公司")
    path = f"/api/v1/hazards/hazards/{items['hazard']}"
    expect(buttons).to_have_text(action_names(site, path, "hazards", "/api/v1/hazards/hazards"))
    order = f"德应急责改〔{site.clock.now().year}〕{items['hazard']}号"
    take(page, "确认重大隐患并下达限期整改指令", {"限期整改指令书文号": order})
    expect(heading).to_contain_text("已确认")
    expect(trail.get_by_role("listitem").first).to_contain_text(order)
    expect(page.get_by_role("region", name="可进行的操作").get_by_role("button", name="挂牌督办")).to_be_visible()


def test_a_refused_form_says_why_beside_the_field(site, open_page, items):
    today = site.clock.now().astimezone(SHANGHAI).date()
    page = console(open_page, viewport=PHONE)
    page.goto(f"{site.url}/console/#/hazards/{items['confirmed']}")
    page.get_by_role("button", name="挂牌督办", exact=True).click()
    form = page.get_by_role("form", name="挂牌督办")
    form.get_by_label("督办文号").fill(f"〔{today.year}〕{items['confirmed']}号")
    form.get_by_label("挂牌日期").fill(today.isoformat())
    form.get_by_label("整改期限").fill((today + timedelta(days=400)).isoformat())  # over a year
    form.get_by_label("督办整改要求与措施").fill("限期消除有限空间作业隐患")
    form.get_by_label("责任单位").fill("德清华峰陶瓷有限公司")
    form.get_by_label("责任人").fill("沈敏")
    form.get_by_label("负责督办的监管部门").select_option(label="德清县应急管理局")
    form.get_by_role("button", name="确认挂牌督办").click()
    expect(form.get_by_role("alert")).to_contain_text("一年之内")
    deadline = form.get_by_label("整改期限")
    expect(deadline).to_have_attribute("aria-invalid", "true")
    expect(deadline).to_have_accessible_description("整改期限应在挂牌之日后、一年之内")
    assert axe(page) == []
    screenshot(page, "console-item-360")
