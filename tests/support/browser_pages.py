"""What the browser tests share: the site as the browser reaches it, the viewports, the
accessibility check and the screenshots of a closing note."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
