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
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from browser_pages import CHROMIUM_ARGS, PHONE, Site
from missing_tool import missing

from qingling.clock import FileClock
from qingling.settings import Environment
from qlstack.embedded import build_embedded
from qlstack.stack import free_port


def chromium_path() -> str | None:
    return os.environ.get("QL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """An embedded Qingling with the demo data on a free port, served by uvicorn in a thread."""
    root = tmp_path_factory.mktemp("pages")
    clock = FileClock(root / "clock.json")
    dispatcher = build_embedded(
        root / "data",
        environment=Environment.TEST,
        clock_file=clock.path,
        relay_interval_seconds=0.2,
        sweep_interval_seconds=0.2,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(dispatcher, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="pages-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the embedded system serving the pages did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", clock)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
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
