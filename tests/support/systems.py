"""A running Qingling as the tests see it (``System``), in either deployment mode; the embedded one
built for a test — the test environment, a clock the test steers (a file under the test's folder,
which every service reads), workers that pass every 0.2 s so what a test waits for happens at
once; and the errors a failed stack run's processes logged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from missing_tool import missing

from identity.config import DEMO_SERVICE_SECRET
from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher, build_embedded
from qlstack.postgres import MissingTool
from qlstack.stack import Stack

SCRAPE_TOKEN = "qingling-test-scrape-token"  # the monitoring system's (metrics_token)
# The shared systems' webhook receivers are local servers (standins): loopback must be allowed,
# which no deployment allows by default.
LOCAL_RECEIVERS = {"webhook_allow_private_targets": True}
QUICK_WORKERS = {"relay_interval_seconds": 0.2, "sweep_interval_seconds": 0.2}


def embedded_for_test(root: Path, **settings: Any) -> tuple[EmbeddedDispatcher, FileClock]:
    """The system's data under ``root / "data"``, its clock ``root / "clock.json"``; ``settings``
    are the services' own, over the quick workers."""
    clock = FileClock(root / "clock.json")
    dispatcher = build_embedded(
        root / "data", environment=Environment.TEST, clock_file=clock.path, **(QUICK_WORKERS | settings)
    )
    return dispatcher, clock


@dataclass
class System:
    """One running Qingling, as a client sees it."""

    mode: str
    client: httpx.AsyncClient
    clock: FileClock
    dispatcher: EmbeddedDispatcher | None = None  # the apps themselves, in embedded mode only
    processes: Stack | None = None  # the processes, in stack mode only

    async def token(self, username: str, password: str = DEMO_PASSWORD, **form: str) -> dict:
        response = await self.client.post(
            "/api/v1/identity/oauth/token",
            data={"grant_type": "password", "username": username, "password": password, **form},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def service_secret(self, service: str) -> str:
        """The client secret a service signs in with (the demo's in embedded mode)."""
        return self.processes.service_secrets[service] if self.processes else DEMO_SERVICE_SECRET.get_secret_value()

    async def as_service(self, service: str, to: str) -> dict[str, str]:
        """Authorization of a call from one of our services to another, as its outbox makes it."""
        form = {
            "grant_type": "client_credentials",
            "client_id": f"service:{service}",
            "client_secret": self.service_secret(service),
            "audience": f"urn:qingling:{to}",
        }
        response = await self.client.post("/api/v1/identity/oauth/token", data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    @property
    def scraper(self) -> dict[str, str]:
        """Authorization of the monitoring system scraping /metrics."""
        return {"Authorization": f"Bearer {SCRAPE_TOKEN}"}

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        """Authorization headers of a signed-in demo account."""
        return {"Authorization": f"Bearer {(await self.token(username, password))['access_token']}"}


def show_errors(config: pytest.Config, logs: Path, last: int = 40) -> None:
    """Each process log's last ``last`` error records: JSON lines at level error or above, with
    their tracebacks, and the tracebacks Python printed itself (a crash before logging started)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for path in sorted(logs.glob("*.log")):
        records: list[str] = []
        printed: list[str] = []  # lines that are not JSON since the last that was
        for line in [*path.read_text(errors="replace").splitlines(), "{}"]:
            try:
                entry = json.loads(line)
            except ValueError:
                printed.append(line)
                continue
            if TRACEBACK in printed:
                records.append("\n".join(printed[printed.index(TRACEBACK) :][-last:]))
            printed = []
            if isinstance(entry, dict) and entry.get("level") in ("error", "critical"):
                fields = " ".join(f"{k}={entry[k]}" for k in ("logger", "request_id", "path", "worker") if k in entry)
                heading = f"{entry.get('timestamp', '')} {entry.get('event', '')} {fields}"
                records.append("\n".join([heading, *entry.get("exception", "").splitlines()[-last:]]))
        if records:
            reporter.write_sep("-", f"errors logged by {path.stem} (last {min(len(records), last)} of {len(records)})")
            for record in records[-last:]:
                reporter.write_line(record)


TRACEBACK = "Traceback (most recent call last):"


@asynccontextmanager
async def stack_system(request: pytest.FixtureRequest, **stack: Any) -> AsyncIterator[System]:
    """A process stack (``Stack(**stack)``) as a ``System``; stopped and removed afterwards, with
    its processes' logged errors shown first when a test of the session failed."""
    try:
        running = Stack(**stack).__enter__()  # tears down what it started if start-up fails
    except MissingTool as exc:
        missing(str(exc))
    try:
        async with httpx.AsyncClient(base_url=running.gateway_url, timeout=30) as client:
            yield System("stack", client, FileClock(running.clock_file), processes=running)
    finally:
        running.down()
        if request.session.testsfailed:  # the logs go with the stack's directory: what went wrong, first
            show_errors(request.config, running.root / "logs")
        running.remove()
