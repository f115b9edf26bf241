from sqlmodel import Field

from hazards.database import HazardsModel


class Region(HazardsModel, table=True):
    """An administrative division (GB/T 2260; towns GB/T 10114). Reference data: loaded from the
    file shipped with the service, never edited through the API."""

    code: str = Field(primary_key=True, max_length=9)
    name: str = Field(max_length=50)
    parent_code: str | None = Field(default=None, max_length=9, index=True)
    level: str = Field(max_length=10)
