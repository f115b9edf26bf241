"""Settings shared by every service (pydantic-settings).

Each service subclasses ``ServiceSettings`` with its own ``env_prefix`` (``QL_HAZARDS_`` …) so
four services can be configured side by side in one environment or one process.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


class Environment(StrEnum):
    """What a deployment is for — not its shape: one process (``./ql run``) or many (distributed)
    can be either a demo or a real install."""

    DEMO = "demo"  # the published demo secrets and demo data are allowed; every page says so
    TEST = "test"  # like production, but the clock may be steered through a clock file
    PRODUCTION = "production"  # real data: demo secrets, demo data and the steerable clock refused


class ServiceSettings(BaseSettings):
    """Read from ``QL_<SERVICE>_<FIELD>``, falling back to ``QL_<FIELD>`` for what all services of
    a deployment share (``QL_ENVIRONMENT``, ``QL_PEER_URL``, ``QL_LOG_FORMAT`` …)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: ClassVar[str]

    environment: Environment = Environment.DEMO
    data_dir: Path = Path("var")
    database_url: str = ""  # default: a SQLite file under data_dir
    # PostgreSQL, per process: connections kept open, and more opened under load up to
    # pool + overflow; a request that finds none free within the pool timeout answers 503
    # database-busy. The pools of all replicas and workers together stay under max_connections.
    database_pool_size: int = 10
    database_max_overflow: int = 10
    database_pool_timeout_seconds: float = 10.0
    # Set on each PostgreSQL connection (0: no limit). A statement running longer, or waiting
    # longer for a row another transaction holds, is ended, its transaction rolled back, and the
    # request answers 503 database-busy with Retry-After — never a connection held for ever.
    # Migrations run without the statement limit (a backfill may take minutes).
    database_statement_timeout_seconds: float = 30.0
    database_lock_timeout_seconds: float = 10.0
    # On SIGTERM: an API stops accepting connections and lets the requests in flight finish, the
    # background workers finish what they are sending and give their other leases back; what is
    # still running when this deadline passes is cancelled (a worker's leases given back all the
    # same). The container's stop grace period must be longer (docker-compose: stop_grace_period).
    shutdown_grace_seconds: float = 20.0
    # Base URL through which this service reaches the others (the gateway). In embedded mode
    # calls to it never leave the process: they go through an in-process ASGI transport.
    peer_url: str = "http://qingling.internal"
    migrate_on_start: bool = True  # distributed deployments migrate once, with `qingling migrate`
    run_workers: bool = True  # the API process also runs the background workers (outbox relay)
    relay_interval_seconds: float = 1.0
    relay_linger_seconds: float = 0.05  # woken by a commit, the relay gathers what commits meanwhile
    relay_batch_size: int = 200  # events a relay pass claims; one request's go in one call (50 at once at most)
    relay_lease_seconds: float = 60.0
    relay_max_attempts: int = 100  # then the event is parked for a person to resend (about a day of retries)
    sweep_interval_seconds: float = 30.0  # how often workers look for what has fallen due (lib sweeps)
    # How long the answer to a request sent with an Idempotency-Key is kept for its retries. A
    # client retries after a dropped connection or a killed replica within minutes to hours; after
    # this a retry with the same key is a new request. The workers forget older answers.
    idempotency_retention_hours: float = Field(72.0, gt=0)
    cors_origins: list[str] = []
    # Addresses (or networks) of the reverse proxies in front of this service: nginx in the stack
    # and in docker-compose. Only a request from one of them has its X-Forwarded-For read; from
    # anyone else the header is ignored, so no client chooses the address its limits count against.
    # None in embedded mode unless set (JSON: QL_TRUSTED_PROXIES='["172.30.0.10"]').
    trusted_proxies: list[IPvAnyNetwork] = []
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    clock_file: Path | None = None  # honoured outside production only
    load_demo_data: bool = False
    # Prometheus scrapes /metrics with this bearer token; without one the path answers 404.
    metrics_token: SecretStr | None = None

    # Tokens: issued by the identity service (or an external OIDC provider: set the issuer and
    # its JWKS URL), verified by every service itself.
    token_issuer: str = "urn:qingling:identity"
    jwks_url: str | None = None  # default: the identity service's, through peer_url
    # Where this service asks for its own tokens to call the others (client credentials, client id
    # service:<name>); with an external provider, its token endpoint. Default: identity's.
    service_token_url: str | None = None
    service_client_secret: SecretStr = SecretStr("qingling-demo-service-secret")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="QL_")
        return init_settings, env_settings, dotenv_settings, shared, file_secret_settings

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> Self:
        if not self.database_url:
            path = self.data_dir / f"{self.service_name}.db"
            self.database_url = f"sqlite+aiosqlite:///{path}"
        if self.environment is Environment.PRODUCTION:
            self._refuse_demo_secrets()
            if self.clock_file is not None:
                raise ValueError("生产环境不允许使用可调时钟（clock_file）")
            if self.load_demo_data:
                raise ValueError("生产环境不允许加载演示数据（load_demo_data）")
        return self

    def _refuse_demo_secrets(self) -> None:
        for name, field in type(self).model_fields.items():
            demo = field.get_default(call_default_factory=True)
            demo_values = list(demo.values()) if isinstance(demo, dict) else [demo]
            if not any(isinstance(v, SecretStr) for v in demo_values):
                continue  # not a secret, or an optional one (None unless set)
            value = getattr(self, name)
            values = list(value.values()) if isinstance(value, dict) else [value]
            variable = f"{self.model_config.get('env_prefix', '')}{name.upper()}"
            # An empty value is what a settings file left unfilled gives (deploy/env.example).
            if not values or not all(v.get_secret_value() for v in values):
                raise ValueError(f"{variable} 为空，生产环境必须配置（可由 ./ql init --secrets-only 生成）")
            if any(v in demo_values for v in values):
                raise ValueError(f"{variable} 仍是演示密钥，生产环境必须另行配置")

    @property
    def audience(self) -> str:
        """The ``aud`` a token must carry to be accepted by this service."""
        return f"urn:qingling:{self.service_name}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
