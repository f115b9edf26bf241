from ipaddress import IPv4Network, IPv6Network
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from qingling.settings import Environment, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_NOTIFY_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "notify"

    # Webhooks to enterprise systems: claimed in batches under a lease, retried with exponential
    # backoff up to ``webhook_max_attempts``; after a secret rotation the old one signs too for
    # the overlap.
    webhook_batch_size: int = 50
    webhook_lease_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_secret_overlap_hours: int = 24
    # Where webhooks may go (``notify.webhooks.targets``): public addresses only, checked at
    # subscription, ping and every delivery. ``webhook_allow_private_targets`` also lets loopback
    # and private addresses through — local receivers in a demo or a test; refused in production.
    # ``webhook_allowed_networks`` names networks trusted as receivers all the same (an
    # enterprise's line on a private network, as CIDR: ["10.20.0.0/16"]). Names of the
    # deployment's own services (``webhook_internal_hosts``, and the host of ``peer_url``) are
    # refused whatever they resolve to.
    webhook_allow_private_targets: bool = False
    webhook_allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()
    webhook_internal_hosts: tuple[str, ...] = (
        "identity", "reports", "hazards", "notify", "postgres", "gateway", "nginx", "localhost",
    )  # fmt: skip
    # Webhook signing secrets are sealed (AES-256-GCM) at rest under these keys: id → secret; new
    # values use ``sealing_key_id``, the others stay readable so a key can be rotated.
    sealing_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"demo": SecretStr("qingling-demo-notify-key")})
    sealing_key_id: str = "demo"

    @model_validator(mode="after")
    def _no_private_targets_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.webhook_allow_private_targets:
            raise ValueError(
                "生产环境不允许 QL_NOTIFY_WEBHOOK_ALLOW_PRIVATE_TARGETS；"
                "确需向内网接收方推送时，用 QL_NOTIFY_WEBHOOK_ALLOWED_NETWORKS 列出可信网段"
            )
        return self
