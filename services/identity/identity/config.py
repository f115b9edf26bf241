from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from qingling.settings import ServiceSettings

DEMO_SERVICE_SECRET = SecretStr("qingling-demo-service-secret")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_IDENTITY_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "identity"

    # Signing keys are stored encrypted with this Fernet key (32 url-safe base64 bytes).
    key_encryption_key: SecretStr = SecretStr("c2dXR0ZqUmxhZ2J1Y2t1Y2t1Y2t1Y2t1Y2t1Y2t1Y2s=")
    access_token_minutes: int = 30
    refresh_token_days: int = 7
    # The services' own clients (client_credentials as "service:<name>"), kept in sync on start.
    service_client_secrets: dict[str, SecretStr] = Field(
        default_factory=lambda: dict.fromkeys(("identity", "hazards", "reports", "notify"), DEMO_SERVICE_SECRET)
    )
    client_secret_overlap_days: int = 7  # the old secret of a rotated API client stays valid this long
    # Wrong passwords (identity.limits, counted in the database): per user name *and* client address
    # — a lock an attacker elsewhere cannot set off against the owner — after ``lockout_threshold``
    # failures the address waits ``lockout_base_seconds``, doubled with every further failure up to
    # ``lockout_max_seconds``. Per address, whatever the user name: the same, from
    # ``login_failures_per_address`` on. Per user name from every address, a ceiling that only slows:
    # past ``login_account_failures_slow``, addresses that have failed on it wait till the window
    # ends; an address that has not (the owner's) still signs in.
    lockout_threshold: int = 5
    lockout_base_seconds: int = 60
    lockout_max_seconds: int = 3600
    login_failures_per_address: int = 20
    login_address_delay_seconds: int = 15
    login_address_max_delay_seconds: int = 900
    login_account_failures_slow: int = 20
    login_failure_window_seconds: int = 3600
    # WeChat mini-program login (jscode2session). Without an app id the WeChat grant answers 503.
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
