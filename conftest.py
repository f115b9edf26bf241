"""Fixtures shared by every test suite: the system in both deployment modes, and PostgreSQL.

``system`` runs a test twice — against the embedded process (SQLite, in-process transport) and
against the process stack (PostgreSQL, each service under uvicorn, nginx in front) — from the
same test code. Without PostgreSQL or nginx the stack runs are skipped on a developer machine;
under ``CI=true`` that is a failure.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from missing_tool import missing
from systems import LOCAL_RECEIVERS, SCRAPE_TOKEN, System, embedded_for_test, stack_system

from qlstack.postgres import MissingTool, PostgresCluster
from qlstack.stack import free_port


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
    async with stack_system(request, settings=LOCAL_RECEIVERS) as system:
        yield system


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


# Lines a test wants in every CI log, passed or failed (the authorization matrix's count,
# schemathesis's, the scale-out flows'): kept as the test's report property, which pytest-xdist
# carries from its workers, and printed at the end of the run.
SUMMARY = "qingling-summary"


@pytest.fixture
def summary(record_property: Callable[[str, object], None]) -> Callable[[str], None]:
    return lambda line: record_property(SUMMARY, line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"  # the teardown's report carries them again
        for name, value in report.user_properties
        if name == SUMMARY
    ]
    if lines:
        terminalreporter.write_sep("=", "figures")
        for line in lines:
            terminalreporter.write_line(line)


# The session's shared systems (embedded and stack) carry every test's data and a clock the tests
# steer, and some files follow on from others: under pytest-xdist (``--dist loadgroup``, .ci/run)
# every file that uses them runs in one process, in the files' order, as in a run of one process;
# every other file (a system of its own, or none) runs whole in whichever process is free.
SHARED_SYSTEMS = {"system", "embedded", "stack"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    shared = {item.path for item in items if SHARED_SYSTEMS & set(getattr(item, "fixturenames", ()))}
    for item in items:
        item.add_marker(pytest.mark.xdist_group("shared-systems" if item.path in shared else str(item.path)))
