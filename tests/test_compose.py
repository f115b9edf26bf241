"""docker-compose.yml, as an operator starts it: ``./ql init --secrets-only > .env``, then compose.
Images cannot be pulled or built here, so compose itself (Debian's docker-compose 1.29) reads the
file with that ``.env`` and the test reads what compose made of it: every long-running container
has a health check of its own kind, each API its own database and role, each volume one service."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values
from missing_tool import missing
from pydantic import SecretStr

from qingling.settings import Environment
from qlstack.envfile import POSTGRES_PASSWORDS, settings_classes
from qlstack.generated import REPO_ROOT
from qlstack.install import secret_generators
from qlstack.services import SERVICE_NAMES

IMAGE_HEALTHCHECK = "HEALTHCHECK CMD"  # the Dockerfile's: the API's /healthz on its port


def qingling(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qlstack.cli", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of docker-compose.yml beside a ``.env`` made by init, outside the repository's tree."""
    if shutil.which("docker-compose") is None:
        missing("docker-compose not found: apt-get install docker-compose")
    root = tmp_path_factory.mktemp("compose")
    shutil.copy(REPO_ROOT / "docker-compose.yml", root)
    made = qingling("init", "--secrets-only")
    assert made.returncode == 0, made.stderr
    (root / ".env").write_text(made.stdout)
    return root


def compose(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker-compose", *args], cwd=project, capture_output=True, text=True)


@pytest.fixture(scope="module")
def services(project: Path) -> dict[str, dict]:
    """Each container as compose configures it (anchors merged, .env read and interpolated)."""
    shown = compose(project, "config")
    assert shown.returncode == 0, shown.stderr
    return yaml.safe_load(shown.stdout)["services"]


def owner(container: dict) -> str | None:
    """The Qingling service a container belongs to (its image), None for postgres and nginx."""
    image = container.get("image", "")
    return image.removeprefix("qingling-") if image.startswith("qingling-") else None


def test_compose_takes_the_file_with_the_env_init_made(project):
    checked = compose(project, "config", "-q")

    assert checked.returncode == 0, checked.stderr


def test_compose_refuses_to_start_without_the_database_passwords(project, tmp_path):
    shutil.copy(project / "docker-compose.yml", tmp_path)
    (tmp_path / ".env").write_text("QL_ENVIRONMENT=production\n")

    refused = compose(tmp_path, "config", "-q")

    assert refused.returncode != 0
    assert "./ql init --secrets-only" in refused.stderr


def test_every_long_running_container_has_a_health_check_of_its_kind(services):
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    for name, container in services.items():
        health = container.get("healthcheck", {})
        disabled = health.get("disable") is True or health.get("test") == ["NONE"]
        if container.get("restart", "no") == "no":  # a job: migrations, the first admin
            assert disabled, name
        elif name.endswith("-worker"):  # no port: the heartbeat of its passes
            assert health["test"] == ["CMD", "qingling", "worker", "--check", owner(container)], name
        elif owner(container) and "command" not in container:  # the API: the image's HTTP check
            assert IMAGE_HEALTHCHECK in dockerfile and not health, name
        else:
            assert health.get("test") and not disabled, name
    assert "/healthz" in " ".join(services["gateway"]["healthcheck"]["test"])


def test_each_service_reaches_its_own_database_as_its_own_role(project, services):
    env = dotenv_values(project / ".env")
    passwords = [env[name] for name in POSTGRES_PASSWORDS]
    assert all(passwords) and len(set(passwords)) == len(passwords)
    for name, container in services.items():
        if (service := owner(container)) is None:
            continue
        urls = {key: value for key, value in container["environment"].items() if key.endswith("_DATABASE_URL")}
        password = env[f"QL_DB_PASSWORD_{service.upper()}"]
        expected = f"postgresql+asyncpg://{service}:{password}@postgres:5432/{service}"
        assert urls == {f"QL_{service.upper()}_DATABASE_URL": expected}, name


def test_no_container_mounts_another_services_volume(services):
    users: dict[str, set[str]] = {}
    for name, container in services.items():
        for volume in container.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if not source.startswith(("/", ".")):  # a named volume, not a file of the repository
                users.setdefault(source, set()).add(owner(container) or name)
    assert {volume: len(who) for volume, who in users.items()} == dict.fromkeys(users, 1), users
    assert users["evidence"] == {"hazards"} and users["media"] == {"reports"}  # files outlive containers


def test_each_api_has_a_database_no_other_role_may_enter(postgres, project):
    env = dotenv_values(project / ".env")
    script = REPO_ROOT / "deploy/postgres/create-databases.sh"
    database_env = {"PGHOST": "127.0.0.1", "PGPORT": str(postgres.port)}
    created = subprocess.run(["sh", script], env={**os.environ, **env, **database_env}, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr

    for service in SERVICE_NAMES:
        for database in SERVICE_NAMES:
            entered = subprocess.run(
                ["psql", "-U", service, "-d", database, "-Atc", "select current_user"],
                env={**os.environ, **database_env},
                capture_output=True,
                text=True,
            )
            assert (entered.returncode == 0) == (service == database), (service, database, entered.stderr)


def test_the_env_file_lists_every_setting_each_service_reads():
    example = (REPO_ROOT / "deploy/env.example").read_text()
    for service, cls in settings_classes().items():
        for field in cls.model_fields:
            shared, own = f"QL_{field.upper()}", f"QL_{service.upper()}_{field.upper()}"
            assert f"{shared}=" in example or f"{own}=" in example or f"{own} is set" in example, own


def test_every_secret_is_left_empty_in_the_example_and_generated_by_init():
    example = dotenv_values(REPO_ROOT / "deploy/env.example")
    env = dotenv_values(stream=io.StringIO(qingling("init", "--secrets-only").stdout))
    secrets = [*POSTGRES_PASSWORDS, *secret_generators()]

    assert {name: example[name] for name in secrets} == dict.fromkeys(secrets, "")
    assert all(env[name] for name in secrets)
    assert (
        env["QL_REPORTS_REPORTER_CONTACT_KEYS"] == env["QL_NOTIFY_REPORTER_CONTACT_KEYS"]
    )  # reports seals, notify opens


def test_production_starts_with_the_env_init_made_and_refuses_the_example(monkeypatch):
    made = dotenv_values(stream=io.StringIO(qingling("init", "--secrets-only").stdout))
    example = dotenv_values(REPO_ROOT / "deploy/env.example")
    for name, value in made.items():
        monkeypatch.setenv(name, value)
    for cls in settings_classes().values():
        assert cls().environment is Environment.PRODUCTION

    for name, value in example.items():
        monkeypatch.setenv(name, value)
    for cls in settings_classes().values():
        with pytest.raises(ValueError, match=r"为空|error parsing"):
            cls()


def test_a_secret_field_without_a_generator_cannot_be_added():
    """A new secret with a demo default fails here until init generates it (and env.example leaves it empty)."""
    generated = set(secret_generators())
    for service, cls in settings_classes().items():
        for name, field in cls.model_fields.items():
            default = field.get_default(call_default_factory=True)
            values = default.values() if isinstance(default, dict) else [default]
            if any(isinstance(value, SecretStr) for value in values):
                assert {f"QL_{name.upper()}", f"QL_{service.upper()}_{name.upper()}"} & generated, (service, name)
