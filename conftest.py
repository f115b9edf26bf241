"""Fixtures shared by every test suite: the system in both deployment modes, and PostgreSQL.

``system`` runs a test twice — against the embedded process (SQLite, in-process transport) and
against the process stack (PostgreSQL, each service under uvicorn, nginx in front) — from the
same test code. Without PostgreSQL or nginx the stack runs are skipped on a developer machine;
under ``CI=true`` that is a failure.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from embedded_systems import embedded_for_test
from missing_tool import missing

from identity.config import DEMO_SERVICE_SECRET
from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qlstack.embedded import EmbeddedDispatcher
from qlstack.postgres import MissingTool, PostgresCluster
from qlstack.stack import Stack, free_port

SCRAPE_TOKEN = "qingling-test-scrape-token"  # the monitoring system's (metrics_token)


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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    root = Path(tempfile.mkdtemp(prefix="qingling-pg-"))
    root.chmod(0o755)  # pytest's own temp dirs are private to root; the server runs as postgres
    cluster = PostgresCluster(root / "cluster", free_port())
    try:
        cluster.start()
    except MissingTool as exc:
        missing(str(exc))
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def new_postgres_database(postgres: PostgresCluster) -> Callable[[], str]:
    """Makes fresh, empty databases; returns each one's URL."""
    return lambda: postgres.create_database(f"t_{secrets.token_hex(6)}", secrets.token_hex(8))


# The shared systems' webhook receivers are local servers (standins): loopback must be allowed,
# which no deployment allows by default.
LOCAL_RECEIVERS = {"webhook_allow_private_targets": True}


@pytest.fixture(scope="session")
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with embedded_system(tmp_path_factory.mktemp("embedded"), **LOCAL_RECEIVERS) as system:
        yield system


@pytest.fixture(scope="module")
async def own_embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """A fresh embedded system for one module, whose tests change much of the demo data."""
    async with embedded_system(tmp_path_factory.mktemp("own")) as system:
        yield system


@asynccontextmanager
async def embedded_system(root: Path, **overrides: Any) -> AsyncIterator[System]:
    dispatcher, clock = embedded_for_test(root, metrics_token=SCRAPE_TOKEN, **overrides)
    async with dispatcher.lifespan():
        transport = httpx.ASGITransport(app=dispatcher)
        async with httpx.AsyncClient(transport=transport, base_url="http://qingling.test") as client:
            yield System("embedded", client, clock, dispatcher)


@pytest.fixture(scope="session")
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[System]:
    try:
        running = Stack(settings=LOCAL_RECEIVERS).__enter__()  # tears down what it started if start-up fails
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


@pytest.fixture(params=["embedded", pytest.param("stack", marks=pytest.mark.stack)])
def system(request: pytest.FixtureRequest) -> Iterator[System]:
    running: System = request.getfixturevalue(request.param)
    yield running
    running.clock.reset()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).parent


# Tests make many intakes and uploads from one address (every flow, the 32 concurrent intakes, the
# fuzzing): every system a test starts allows that many. The limits keep counting; the tests of the
# limits (tests/test_abuse_limits.py) set them back to their defaults on the system they use.
MANY_FROM_ONE_ADDRESS = {
    "QL_REPORTS_INTAKES_PER_ADDRESS": "100000",
    "QL_REPORTS_UPLOADS_PER_ADDRESS": "100000",
    "QL_HAZARDS_ENTERPRISE_LOOKUPS_PER_ADDRESS": "100000",
}


@pytest.fixture(scope="session", autouse=True)
def many_from_one_address() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in MANY_FROM_ONE_ADDRESS.items():
            patch.setenv(name, value)
        yield


# The quota on unattached media per address (reports.media.service), small enough that a test
# (tests/test_tip_off_media.py) reaches it with a few small files; the other tests' uploads are smaller.
SMALL_UPLOAD_QUOTA = {"QL_REPORTS_UNATTACHED_MEDIA_BYTES_PER_ADDRESS": "200000"}


@pytest.fixture(scope="session", autouse=True)
def small_upload_quota() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL_UPLOAD_QUOTA.items():
            patch.setenv(name, value)
        yield
