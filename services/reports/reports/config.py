from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from qingling.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_REPORTS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "reports"

    # Reporter identities are sealed (AES-256-GCM) under these keys: id → secret. New values are
    # sealed with ``sealing_key_id``; the others stay readable, so a key can be rotated.
    sealing_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"demo": SecretStr("qingling-demo-sealing-key")})
    sealing_key_id: str = "demo"
    # Receipt secrets and reporter subjects are kept as HMACs under this key.
    receipt_hash_key: SecretStr = SecretStr("qingling-demo-receipt-hash-key")
    # Failed receipt look-ups: at most this many per receipt code, and per client address, within
    # the window; the counters live in the database, so the limit holds across replicas.
    receipt_failures_per_code: int = 5
    receipt_failures_per_address: int = 20
    receipt_failure_window_seconds: int = 900
    # Reward claims whose name or ID number does not match the sealed identity: after this many for
    # one reward within the window, further claims are refused (429) without checking the identity.
    # Counted in the same table as receipt failures.
    claim_mismatches_per_reward: int = 3
    claim_mismatch_window_seconds: int = 24 * 3600
    # The register's answer to "who handles this place and industry" is cached this long; when the
    # hazards service cannot be reached, a cached answer up to ``routing_stale_seconds`` old is used.
    routing_cache_seconds: int = 300
    routing_stale_seconds: int = 7 * 24 * 3600
    # Possible duplicates flagged on intake: open tip-offs received within the window that name the
    # same enterprise, or lie within the radius and are of the same category.
    duplicate_window_days: int = 90
    duplicate_radius_m: float = 300.0
    # Optional content-safety check of the reporter's text (WeChat msgSecCheck); off without an app id.
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
