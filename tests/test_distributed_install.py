"""What a distributed deployment's operators run besides the services: the first admin created by
``qingling init`` as a one-shot job against identity's database, the workers' health check
(``qingling worker --check``) and the gateway's. Run as the commands a container would run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from qingling.heartbeat import STALE_SECONDS
from qlstack.services import SERVICE_NAMES


def qingling(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qlstack.cli", *args], capture_output=True, text=True, env={**os.environ, **env}
    )


def test_a_worker_is_healthy_only_while_its_passes_complete(tmp_path):
    env = {"QL_REPORTS_DATA_DIR": str(tmp_path)}
    heartbeat = tmp_path / "reports-worker.heartbeat"

    never = qingling("worker", "--check", "reports", env=env)
    heartbeat.touch()
    beating = qingling("worker", "--check", "reports", env=env)
    os.utime(heartbeat, (time.time() - STALE_SECONDS - 60,) * 2)
    stale = qingling("worker", "--check", "reports", env=env)

    assert never.returncode == 1 and "尚未完成任何一轮" in never.stderr
    assert beating.returncode == 0, beating.stderr
    assert stale.returncode == 1 and "秒未完成任何一轮" in stale.stderr


@pytest.mark.stack
def test_every_worker_process_beats_its_heartbeat(stack):
    for service in SERVICE_NAMES:
        check = qingling("worker", "--check", service, env=stack.processes.env[service])
        for _ in range(60):  # a worker beats after its first pass; the stack may have just started
            if check.returncode == 0:
                break
            time.sleep(0.5)
            check = qingling("worker", "--check", service, env=stack.processes.env[service])
        assert check.returncode == 0, check.stderr


@pytest.mark.stack
async def test_the_gateway_answers_its_own_health_check(stack):
    response = await stack.client.get("/healthz")

    assert (response.status_code, response.text) == (200, "ok\n")


@pytest.mark.stack
def test_the_first_admin_of_a_distributed_deployment_is_made_once(stack, new_postgres_database):
    database = {"QL_IDENTITY_DATABASE_URL": new_postgres_database(), "QL_IDENTITY_LOAD_DEMO_DATA": "false"}
    env = {**stack.processes.env["identity"], **database}  # the stack's hazards names the region

    before_migration = qingling("init", "--region", "330521", "--admin", "root", env=env)
    migrated = qingling("migrate", "identity", env=env)
    unknown_region = qingling("init", "--region", "330599", "--admin", "root", env=env)
    made = qingling("init", "--region", "330521", "--admin", "root", env=env)
    again = qingling("init", "--region", "330521", "--admin", "other", env=env)

    assert before_migration.returncode == 1 and "qingling migrate identity" in before_migration.stderr
    assert migrated.returncode == 0, migrated.stderr
    assert unknown_region.returncode == 1 and "行政区划名录中没有这个代码" in unknown_region.stderr
    assert made.returncode == 0, made.stderr
    assert "首个管理员 root（德清县，行政区划 330521），一次性密码：Ql-" in made.stdout
    assert again.returncode == 1 and "已有账号" in again.stderr
