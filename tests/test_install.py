"""A real single-box install is not the demo: ``qingling init`` makes one with its own secrets and
one admin, ``qingling run --data-dir`` runs it in production, and the demo's published password
and service secret open nothing there. Both run as the commands a county's IT staff would type."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from identity.demo import DEMO_PASSWORD
from qingling.docs import DEMO_NOTICE
from qlstack.stack import free_port

TOKEN = "/api/v1/identity/oauth/token"
DEMO_SERVICE_SECRET = "qingling-demo-service-secret"


def _qingling(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qlstack.cli", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


@contextmanager
def _running(data_dir: Path) -> Iterator[httpx.Client]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("QL_")}
    # Its output goes to a file: a pipe nobody reads fills up and stops the server mid-sentence.
    output = data_dir.parent / f"{data_dir.name}-run.log"
    with open(output, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "qlstack.cli", "run", "--data-dir", str(data_dir), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, output.read_text()
                try:
                    if client.get("/api/v1/identity/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "not ready within 60 s"
                time.sleep(0.2)
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def _password_grant(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post(TOKEN, data={"grant_type": "password", "username": username, "password": password})


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("install") / "qingling"
    done = _qingling("init", "--data-dir", str(data_dir), "--region", "330521", "--admin", "root")
    assert done.returncode == 0, done.stderr
    [password] = re.findall(r"一次性密码：(\S+)", done.stdout)
    return data_dir, password


def test_init_writes_secrets_for_the_owner_only_and_never_twice(install):
    data_dir, _ = install

    secrets_file = data_dir / "secrets.env"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert data_dir.stat().st_mode & 0o077 == 0
    text = secrets_file.read_text()
    assert "QL_REPORTS_SEALING_KEYS=" in text and "QL_IDENTITY_KEY_ENCRYPTION_KEY=" in text
    assert DEMO_SERVICE_SECRET not in text and "qingling-demo" not in text
    again = _qingling("init", "--data-dir", str(data_dir), "--region", "330521", "--admin", "root")
    assert again.returncode == 1 and "已经初始化过" in again.stderr  # never twice over real data


def test_an_install_refuses_the_demo_credentials_and_its_admin_signs_in_once(install):
    data_dir, password = install
    with _running(data_dir) as client:
        for username in ("admin", "deqing-yjj"):  # demo accounts: not there
            assert _password_grant(client, username, DEMO_PASSWORD).status_code == 401
        for service in ("reports", "hazards"):
            demo_service = client.post(
                TOKEN,
                data={
                    "grant_type": "client_credentials",
                    "client_id": f"service:{service}",
                    "client_secret": DEMO_SERVICE_SECRET,
                    "audience": "urn:qingling:notify",
                },
            )
            assert demo_service.status_code == 401, demo_service.text

        first = _password_grant(client, "root", password)
        assert (first.status_code, first.json()["code"]) == (403, "password-change-required")
        changed = client.post(
            "/api/v1/identity/password",
            json={"username": "root", "current_password": password, "new_password": "Deqing#Safety2026"},
        )
        assert changed.status_code == 204, changed.text
        assert _password_grant(client, "root", password).status_code == 401  # the one-time password is spent
        token = _password_grant(client, "root", "Deqing#Safety2026").json()["access_token"]
        me = client.get("/api/v1/hazards/whoami", headers={"Authorization": f"Bearer {token}"}).json()
        assert (me["roles"], me["region_code"]) == (["admin"], "330521")

        docs = client.get("/api/v1/reports/docs").text
        assert DEMO_NOTICE not in docs and DEMO_NOTICE not in client.get("/").text
        assert client.get("/api/v1/hazards/metrics").status_code == 401  # only with the scrape token


def test_an_install_will_not_start_with_a_secret_readable_by_others(install):
    data_dir, _ = install
    secrets_file = data_dir / "secrets.env"
    secrets_file.chmod(0o644)
    try:
        refused = _qingling("run", "--data-dir", str(data_dir), "--port", str(free_port()))
    finally:
        secrets_file.chmod(0o600)
    assert refused.returncode == 1
    assert "chmod 600" in refused.stderr


def test_without_an_install_the_demo_runs_and_says_so_on_every_page(tmp_path):
    with _running(tmp_path / "demo") as client:
        assert _password_grant(client, "deqing-yjj", DEMO_PASSWORD).status_code == 200
        assert DEMO_NOTICE in client.get("/").text
        for service in ("identity", "hazards", "reports", "notify"):
            assert DEMO_NOTICE in client.get(f"/api/v1/{service}/docs").text
