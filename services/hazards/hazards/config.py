from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from qingling.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_HAZARDS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "hazards"

    # A ledger (清单) is answered whole, never paged: past this many rows it is refused (422
    # ledger-too-large) and the clerk narrows it by region, industry or dates.
    ledger_max_rows: int = 20000
    # 政务公开 publishes a listed hazard's enterprise by name only; its principal's name and phone
    # go public too only where the region has decided so (off by default).
    disclosure_enterprise_contacts: bool = False
