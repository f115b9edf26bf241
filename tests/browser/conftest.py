"""The pages in a real browser: Debian's Chromium driven by Playwright for Python (its own browser
download is never used), against an embedded Qingling served over a real socket by uvicorn.

The browser is started as the platform requires (no sandbox as root, no background networking:
this machine's closed network refuses Chromium's own calls home). Every test's pages are watched
for requests to any host but the site's own (``Site.foreign``), and ``axe`` runs axe-core —
bundled under ``vendor/``, injected through the DevTools protocol, which the pages' content
security policy rightly does not let a script tag do — for an accessibility check."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from browser_pages import CHROMIUM_ARGS, PHONE, Site
from missing_tool import missing
from systems import embedded_for_test

from standins import serving


def chromium_path() -> str | None:
    return os.environ.get("QL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """An embedded Qingling with the demo data on a free port, served by uvicorn in a thread."""
    root = tmp_path_factory.mktemp("pages")
    dispatcher, clock = embedded_for_test(root)
    with serving(dispatcher, lifespan="on", start_timeout=60) as url:
        yield Site(url, clock)


# Per module, not per session: while Playwright's sync API runs, its event loop is the thread's
# running loop, and the asyncio tests after the browser modules could not start theirs.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        missing("Chromium not found: apt-get install chromium (or set QL_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, site: Site):
    """``open_page(path, viewport=PHONE)``: a new browser context (no cookies, no storage) on a
    page of the site, watched for requests elsewhere."""
    contexts = []

    def open_(path: str, viewport: dict = PHONE, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        site.watch(context)
        page = context.new_page()
        page.goto(site.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert site.foreign == [], f"the pages asked other hosts: {site.foreign}"
