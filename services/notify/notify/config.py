from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from qingling.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_NOTIFY_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "notify"

    # Webhooks to enterprise systems: claimed in batches under a lease, retried with exponential
    # backoff up to ``webhook_max_attempts``; after a secret rotation the old one signs too for
    # the overlap. Outside production, loopback and private addresses are allowed (local receivers).
    webhook_batch_size: int = 50
    webhook_lease_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_secret_overlap_hours: int = 24
    webhook_allow_private_hosts: bool = False
    # Webhook signing secrets are sealed (AES-256-GCM) at rest under these keys: id → secret; new
    # values use ``sealing_key_id``, the others stay readable so a key can be rotated.
    sealing_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"demo": SecretStr("qingling-demo-notify-key")})
    sealing_key_id: str = "demo"
