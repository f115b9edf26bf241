"""Issue 23's whole story in one browser: a worker files an anonymous tip-off with a photo on the
report page; the county clerk finds it in My work, signs and accepts it on its page; the worker
reads on the follow-up page that it was accepted — every step through the pages, read as a person
reads them."""

from __future__ import annotations

import re
import secrets

from browser_pages import DESK, PHONE, axe, console, screenshot
from PIL import Image
from playwright.sync_api import expect


def test_a_tip_off_from_the_report_page_is_accepted_in_the_console_and_the_reporter_sees_it(open_page, tmp_path):
    facts = f"三号仓库消防通道被货物堵死，安全出口上锁，夜班有二十多人（仓库门牌 {secrets.randbelow(900) + 100}）"
    photo = tmp_path / "仓库通道.jpg"
    Image.new("RGB", (3000, 2000), (90, 120, 160)).save(photo, "JPEG", quality=90)

    # The worker, on a phone, anonymously.
    report = open_page("/h5/", viewport=PHONE)
    report.get_by_label("重大事故隐患").check()
    report.get_by_label("发生了什么").fill(facts)
    report.get_by_role("textbox", name=re.compile("^被举报单位")).fill("华峰陶瓷")
    report.get_by_role("button", name=re.compile("德清华峰陶瓷有限公司")).click()
    report.get_by_label("照片或视频").set_input_files(str(photo))
    expect(report.get_by_text("已上传")).to_be_visible()
    report.get_by_label("我已阅读并同意《举报人信息保护告知》").check()
    report.get_by_role("button", name="提交举报").click()
    expect(report.get_by_role("heading", name="举报已提交")).to_be_visible()
    code, secret = report.locator(".receipt code").all_inner_texts()

    # The county clerk, at a desk: the tip-off waits in My work.
    clerk = console(open_page, "deqing-yjj", DESK)
    expect(clerk.get_by_role("heading", name="我的待办")).to_be_visible()
    waiting = clerk.get_by_role("listitem").filter(has_text=facts[:12])
    expect(waiting).to_contain_text("签收")
    screenshot(clerk, "e2e-console-work-1280")
    waiting.get_by_role("link").first.click()

    heading = clerk.get_by_role("heading", level=2)
    expect(heading).to_contain_text("待签收")
    expect(clerk.get_by_text(facts)).to_be_visible()
    photos = clerk.get_by_role("region", name="照片、视频").get_by_role("img")
    expect(photos).to_have_count(1)
    for action in ("签收", "受理"):
        clerk.get_by_role("region", name="可进行的操作").get_by_role("button", name=action, exact=True).click()
        clerk.get_by_role("form", name=action).get_by_role("button", name=f"确认{action}").click()
    expect(heading).to_contain_text("核查中")
    assert axe(clerk) == []

    # The worker again, with the receipt they kept.
    follow = open_page("/h5/follow-up.html", viewport=PHONE)
    follow.get_by_label("回执码").fill(code)
    follow.get_by_label("查询密码").fill(secret)
    follow.get_by_role("button", name="查询").click()
    progress = follow.get_by_role("region", name="办理进展")
    expect(progress).to_contain_text("核查中")
    expect(follow.get_by_role("region", name="办理经过")).to_contain_text("已受理")
    assert axe(follow) == []
    screenshot(follow, "e2e-follow-up-360")
