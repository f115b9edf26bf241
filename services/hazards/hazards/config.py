from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from qingling.filestore import FileStoreSettings
from qingling.settings import ServiceSettings


class Settings(ServiceSettings, FileStoreSettings):
    model_config = SettingsConfigDict(env_prefix="QL_HAZARDS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "hazards"

    # A ledger (清单) is answered whole, never paged: past this many rows it is refused (422
    # ledger-too-large) and the clerk narrows it by region, industry or dates.
    ledger_max_rows: int = 20000
    # 政务公开 publishes a listed hazard's enterprise by name only; its principal's name and phone
    # go public too only where the region has decided so (off by default).
    disclosure_enterprise_contacts: bool = False
    # The service's own secret: the report posters' QR codes carry a token signed (HMAC) under a
    # key derived from it over the enterprise's credit code, so the report page names the
    # enterprise and nobody can forge one (changing it voids every poster printed before); the
    # limit counters' subjects are HMACs under another key derived from it.
    secret_key: SecretStr = SecretStr("qingling-demo-hazards-secret-key")
    # The address the public reaches the report page at (e.g. https://aq.example.gov.cn), put in
    # the posters' QR codes; unset, the address the poster was asked for through.
    public_base_url: str | None = None
    # The public enterprise look-up of the report page (name, credit code and town only), per
    # client address and window; then 429 with Retry-After.
    enterprise_lookups_per_address: int = 60
    enterprise_lookup_window_seconds: int = 600
