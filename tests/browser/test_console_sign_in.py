"""Staff sign in at /console/ through the identity service."""

from __future__ import annotations

from playwright.sync_api import expect

from identity.demo import DEMO_PASSWORD


def test_a_clerk_signs_in_and_sees_the_console(open_page):
    page = open_page("/console/")
    page.get_by_label("登录名").fill("deqing-yjj")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("德清县应急管理局")


def test_a_wrong_password_is_refused_in_words(open_page):
    page = open_page("/console/")
    page.get_by_label("登录名").fill("deqing-yjj")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("密码")
