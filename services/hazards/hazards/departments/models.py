from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from hazards.database import HazardsModel


class Department(HazardsModel, table=True):
    """A department with safety supervision duties in one region, and the industries it
    supervises there. One department of each kind per region."""

    __table_args__ = (UniqueConstraint("region_code", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(max_length=9, index=True)
    kind: str = Field(max_length=32)
    name: str = Field(max_length=64)
    industries: list[str] = Field(sa_type=JSON)
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    created_at: datetime
    updated_at: datetime
