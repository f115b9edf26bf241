"""What the browser tests share: the site as the browser reaches it, the viewports, the
accessibility check and the screenshots of a closing note."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect

from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()  # axe-core 4.11.4, MPL-2.0
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
PHONE = {"width": 360, "height": 780}
DESK = {"width": 1280, "height": 900}


@dataclass
class Site:
    """The running system as the browser reaches it."""

    url: str
    clock: FileClock
    foreign: list[str] = field(default_factory=list)  # requests that left for another host

    def watch(self, context) -> None:
        host = urlsplit(self.url).netloc

        def seen(request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
                self.foreign.append(request.url)

        context.on("request", seen)

    def bearer(self, username: str) -> dict[str, str]:
        """The Authorization header of a demo account signed in through the API (the data a test
        prepares before the pages show it)."""
        form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
        answer = httpx.post(f"{self.url}/api/v1/identity/oauth/token", data=form, timeout=30)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def console(open_page, username: str = "deqing-yjj", viewport: dict = DESK, path: str = "/console/"):
    """The console at ``path``, signed in as a demo account through its sign-in form."""
    page = open_page(path, viewport=viewport)
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    return page


def axe(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """The axe-core violations of the page as it is now, of the given impacts."""
    page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page, name: str) -> None:
    """Saved under ``$QL_SCREENSHOTS`` when set (the screenshots of a closing note), else not at all."""
    if folder := os.environ.get("QL_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
