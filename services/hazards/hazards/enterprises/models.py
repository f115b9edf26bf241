from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from hazards.database import HazardsModel
from hazards.enterprises.schemas import People
from qingling.db import PydanticJSON, made_by


class Enterprise(HazardsModel, table=True):
    """A production or business unit (生产经营单位), keyed by its 统一社会信用代码. Its people and
    their contacts are seen by regulators in jurisdiction and by the enterprise, never the public."""

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=100, index=True)
    address: str = Field(max_length=200)
    region_code: str = Field(max_length=9, index=True)
    industry: str = Field(max_length=32, index=True)
    tags: list[str] = Field(default_factory=made_by(list), sa_type=JSON)
    latitude: float | None = None
    longitude: float | None = None
    risk_class: str = Field(max_length=1)
    people: People = Field(sa_type=PydanticJSON(People))  # principal, actual_controller, safety_manager
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, max_length=100)
