from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from hazards.database import HazardsModel
from qingling.holidays import HolidayArrangementBase


class HolidayArrangement(HolidayArrangementBase, HazardsModel, table=True):
    """One year's official holiday arrangement, as the national-level administrator loaded it. The
    service's working-day calendar; the other services keep copies fed by events."""

    __tablename__ = "holiday_arrangement"


class HolidayArrangementChange(HazardsModel, table=True):
    """The calendar's trail: every load, replacement and removal of a year, who made it and when,
    with the arrangement before and after (None where there was none)."""

    __tablename__ = "holiday_arrangement_change"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    action: str = Field(max_length=10)  # load | replace | remove
    actor: str = Field(max_length=100)
    actor_name: str = Field(max_length=100)
    at: datetime
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    recounted: int = 0  # open deadlines counted again because of it
