from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from qingling.filestore import FileStoreSettings
from qingling.reporter_contact import DEMO_KEYS as DEMO_CONTACT_KEYS
from qingling.settings import ServiceSettings


class Settings(ServiceSettings, FileStoreSettings):
    model_config = SettingsConfigDict(env_prefix="QL_REPORTS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "reports"

    # Reporter identities are sealed (AES-256-GCM) under these keys: id → secret. New values are
    # sealed with ``sealing_key_id``; the others stay readable, so a key can be rotated.
    sealing_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"demo": SecretStr("qingling-demo-sealing-key")})
    sealing_key_id: str = "demo"
    # A reporter's phone goes to the notify service (which texts them their tip-off's steps)
    # sealed under these keys, which notify holds too: QL_NOTIFY_REPORTER_CONTACT_KEYS must be the same.
    reporter_contact_keys: dict[str, SecretStr] = Field(
        default_factory=lambda: {key_id: SecretStr(secret) for key_id, secret in DEMO_CONTACT_KEYS.items()}
    )
    reporter_contact_key_id: str = "demo"
    # Receipt secrets and reporter subjects are kept as HMACs under this key.
    receipt_hash_key: SecretStr = SecretStr("qingling-demo-receipt-hash-key")
    # Limits (qingling.limits), counted in this service's database so every replica agrees; what is
    # counted is kept as an HMAC, never the client's address. Failed receipt look-ups, designed so
    # that nobody can lock the owner out from elsewhere: per client address (any code) and per code
    # and address, past the limit the address waits — ``receipt_delay_seconds``, doubled with each
    # further failure, at most ``receipt_max_delay_seconds``. Per code from every address: past
    # ``receipt_code_failures_slow`` an address that has failed on the code waits till the code's
    # window ends (one that has not — the owner's — still gets in); past the ceiling, far beyond
    # one attacker's reach, every address waits.
    receipt_failures_per_address: int = 10
    receipt_failures_per_code_and_address: int = 5
    receipt_failure_window_seconds: int = 3600
    receipt_delay_seconds: int = 60
    receipt_max_delay_seconds: int = 3600
    receipt_code_failures_slow: int = 20
    receipt_code_failures_ceiling: int = 1000
    receipt_code_window_seconds: int = 24 * 3600
    # Tip-offs through the public intake (POST /tip-offs, with or without a mini-program sign-in)
    # and media uploads, per client address and window; then 429 with Retry-After. Operators'
    # entries (POST /tip-offs/entered) are not limited.
    intakes_per_address: int = 10
    intake_window_seconds: int = 3600
    uploads_per_address: int = 30
    upload_window_seconds: int = 3600
    # Reward claims whose name or ID number does not match the sealed identity: after this many for
    # one reward within the window, further claims are refused (429) without checking the identity.
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
    # Media uploaded but not yet named in a tip-off or an addition ("unattached"): at most this many
    # bytes from one client address (counted by an HMAC of it, never kept raw) received within
    # ``unattached_media_hours`` — more is refused 429 with Retry-After. The default holds a full
    # tip-off's nine files from a phone, several reporters behind one carrier NAT, and caps an
    # anonymous flood at 300 MB a day per address. Unattached media older than that are purged.
    unattached_media_bytes_per_address: int = 300 * 1024 * 1024
    unattached_media_hours: int = 24
