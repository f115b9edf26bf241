"""The public report page at /h5/ on a phone: an anonymous tip-off with a photo, filed without an
account, answered with its receipt code and secret once; light enough for a slow line; and opened
from an enterprise's report poster, with the enterprise already filled in."""

from __future__ import annotations

import re

import httpx
from browser_pages import DESK, axe, screenshot
from PIL import Image
from playwright.sync_api import expect

from hazards.config import Settings as HazardsSettings
from hazards.enterprises import posters

ENTERPRISE = "91330521MA2B3C4D5Q"  # 德清华峰陶瓷有限公司, in 武康街道, 德清县
BUDGET = 300 * 1024  # what the page may transfer before any photo
# Every byte the page has received so far (headers and bodies; nothing is cached in a fresh context).
TRANSFERRED = "performance.getEntries().reduce((sum, entry) => sum + (entry.transferSize || 0), 0)"


def _photo(tmp_path) -> str:
    path = tmp_path / "车间动火.jpg"
    Image.new("RGB", (2400, 1800), (200, 90, 40)).save(path, "JPEG", quality=90)
    return str(path)


def _poster_token(credit_code: str) -> str:
    secret = HazardsSettings.model_fields["secret_key"].default.get_secret_value()  # the demo's
    return posters.token(posters.signing_key(secret), credit_code)


def test_an_anonymous_tip_off_with_a_photo_is_filed_on_a_phone_and_its_receipt_shown_once(site, open_page, tmp_path):
    page = open_page("/h5/")
    expect(page.get_by_role("link", name="查询举报进展")).to_have_attribute("href", "/h5/follow-up.html")
    expect(page.get_by_text("举报人信息保护告知：")).to_be_visible()  # the notice, from the API
    expect(page.get_by_label("省份").locator("option")).not_to_have_count(1)  # the provinces, from the API
    transferred = page.evaluate(TRANSFERRED)
    assert 13_000 < transferred <= BUDGET, f"the report page transferred {transferred} bytes before any photo"

    page.get_by_label("重大事故隐患").check()
    page.get_by_label("发生了什么").fill("二号车间有人在油漆桶旁边电焊，没有动火审批，也没有人看护")
    page.get_by_role("textbox", name=re.compile("^被举报单位")).fill("华峰陶瓷")
    page.get_by_role("button", name=re.compile("德清华峰陶瓷有限公司")).click()
    expect(page.get_by_text(f"统一社会信用代码 {ENTERPRISE}")).to_be_visible()
    expect(page.get_by_label("区县")).to_have_value("330521")  # the enterprise's place, until changed
    expect(page.get_by_label("乡镇（街道）")).to_have_value("330521001")
    page.get_by_label("详细地址").fill("厂区二号车间东侧")
    page.get_by_label("照片或视频").set_input_files(_photo(tmp_path))
    expect(page.get_by_text("已上传")).to_be_visible()
    page.get_by_label("我已阅读并同意《举报人信息保护告知》").check()
    assert axe(page) == []
    screenshot(page, "h5-report-360")

    page.get_by_role("button", name="提交举报").click()

    expect(page.get_by_role("heading", name="举报已提交")).to_be_focused()
    expect(page.get_by_text("只显示这一次")).to_be_visible()
    code, secret = page.locator(".receipt code").all_inner_texts()
    expect(page.get_by_role("button", name="复制回执码")).to_be_visible()
    expect(page.get_by_role("button", name="复制查询密码")).to_be_visible()
    expect(page.get_by_role("link", name="查询举报进展")).to_have_count(2)  # the header's and the receipt's
    assert axe(page) == []
    screenshot(page, "h5-report-receipt-360")
    filed = httpx.get(f"{site.url}/api/v1/reports/receipts/tip-off", auth=(code, secret))  # what the follow-up reads
    assert filed.status_code == 200, filed.text


def test_the_page_keeps_what_was_typed_and_says_in_words_what_is_wrong(open_page, tmp_path):
    page = open_page("/h5/")
    page.get_by_label("发生了什么").fill("油漆桶旁电焊作业")  # under ten characters
    page.get_by_label("我已阅读并同意《举报人信息保护告知》").check()
    page.get_by_role("button", name="提交举报").click()

    expect(page.get_by_role("alert")).to_contain_text("至少 10 个字")
    expect(page.get_by_label("发生了什么")).to_have_value("油漆桶旁电焊作业")

    video = tmp_path / "现场.mp4"
    with video.open("wb") as file:
        file.truncate(51 * 1024 * 1024)  # over the service's 50 MB for a video: refused before it is sent
    page.get_by_label("照片或视频").set_input_files(str(video))
    expect(page.get_by_text("超过 50 MB：请剪短后再上传")).to_be_visible()
    page.get_by_role("button", name="移除视频 1（现场.mp4）").click()
    expect(page.get_by_text("现场.mp4")).to_have_count(0)


def test_a_poster_s_code_opens_the_page_with_the_enterprise_filled_in_and_a_forged_one_says_so(open_page):
    page = open_page(f"/h5/?e={_poster_token(ENTERPRISE)}", viewport=DESK)

    expect(page.get_by_text("德清华峰陶瓷有限公司")).to_be_visible()
    expect(page.get_by_text(f"统一社会信用代码 {ENTERPRISE} · 武康街道")).to_be_visible()
    expect(page.get_by_label("区县")).to_have_value("330521")
    screenshot(page, "h5-report-1280")

    forged = open_page(f"/h5/?e={_poster_token(ENTERPRISE)[:-2]}AA")
    expect(forged.get_by_role("status").filter(has_text="二维码无效")).to_be_visible()
    expect(forged.get_by_role("textbox", name=re.compile("^被举报单位"))).to_have_value("")  # typed free instead
