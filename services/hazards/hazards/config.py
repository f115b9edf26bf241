from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from qingling.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_HAZARDS_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "hazards"
