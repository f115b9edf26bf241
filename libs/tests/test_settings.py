"""Settings: one prefix per service, demo secrets and the steerable clock kept out of production."""

from typing import ClassVar

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from identity.config import Settings as IdentitySettings
from qingling.settings import Environment, ServiceSettings


class SealSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_SEAL_")
    service_name: ClassVar[str] = "seal"
    seal_key: SecretStr = SecretStr("demo-seal-key")


def test_the_default_is_the_demo_on_a_sqlite_file_per_service(tmp_path):
    settings = SealSettings(data_dir=tmp_path)

    assert settings.environment is Environment.DEMO
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/seal.db"


def test_each_service_reads_its_own_prefix(monkeypatch):
    monkeypatch.setenv("QL_SEAL_DATABASE_URL", "postgresql+asyncpg://seal@db/seal")
    monkeypatch.setenv("QL_OTHER_DATABASE_URL", "postgresql+asyncpg://other@db/other")

    assert SealSettings().database_url == "postgresql+asyncpg://seal@db/seal"


def test_a_deployment_sets_shared_values_once_and_a_service_may_override(monkeypatch):
    monkeypatch.setenv("QL_ENVIRONMENT", "test")
    monkeypatch.setenv("QL_PEER_URL", "http://gateway:8080")
    monkeypatch.setenv("QL_SEAL_PEER_URL", "http://seal-gateway:8080")

    settings = SealSettings()

    assert settings.environment is Environment.TEST
    assert settings.peer_url == "http://seal-gateway:8080"


REAL = {"seal_key": "a-real-secret", "service_client_secret": "another-real-secret"}


@pytest.mark.parametrize("demo", ["seal_key", "service_client_secret"])
def test_production_refuses_demo_secrets_and_names_the_variable(demo):
    real = {name: value for name, value in REAL.items() if name != demo}

    with pytest.raises(ValidationError, match=f"QL_SEAL_{demo.upper()} 仍是演示密钥"):
        SealSettings(environment="production", **real)

    assert SealSettings(environment="production", **REAL).seal_key.get_secret_value() == "a-real-secret"


def test_production_refuses_demo_secrets_inside_a_mapping():
    with pytest.raises(ValidationError, match="QL_IDENTITY_SERVICE_CLIENT_SECRETS 仍是演示密钥"):
        IdentitySettings(
            environment="production",
            key_encryption_key="c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=",
            service_client_secret="real",
            service_client_secrets={"hazards": "real", "reports": "qingling-demo-service-secret"},
        )


def test_production_refuses_a_steerable_clock(tmp_path):
    with pytest.raises(ValidationError, match="可调时钟"):
        SealSettings(environment="production", **REAL, clock_file=tmp_path / "clock.json")


def test_idempotency_answers_are_kept_three_days_and_never_for_no_time(monkeypatch):
    assert SealSettings().idempotency_retention_hours == 72

    monkeypatch.setenv("QL_IDEMPOTENCY_RETENTION_HOURS", "0")
    with pytest.raises(ValidationError, match="idempotency_retention_hours"):
        SealSettings()
