"""The pages are files of the site's own: served with their policy, linked from ``/``, loading
nothing from anywhere else."""

from __future__ import annotations

import httpx
from browser_pages import axe


def test_the_index_links_the_report_page_and_the_console(site, open_page):
    page = open_page("/")
    page.get_by_role("link", name="我要举报").click()
    page.wait_for_url(f"{site.url}/h5/")
    assert page.locator("h1").first.is_visible()


def test_every_page_answer_carries_the_content_security_policy(site):
    for path in ("/h5/", "/console/", "/assets/qingling.css", "/assets/vendor/preact-htm.module.js"):
        response = httpx.get(site.url + path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(site.url + "/h5").status_code in (301, 307)


def test_the_report_page_has_no_serious_accessibility_violation(open_page):
    page = open_page("/h5/")
    page.locator("h1").first.wait_for()
    assert axe(page) == []
