from datetime import date, datetime

from sqlalchemy import Index
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hazards.database import HazardsModel
from qingling.history import History, VersionBase, version_indexes


class HazardVersion(VersionBase, HazardsModel, table=True):
    """A hazard's figure-relevant columns over one stretch of time (``qingling.history``): the
    figures as of a moment read the versions in force then. Written where every change of a
    hazard passes (``hazard.service.record_change``) and by the bulk inserts (``insert_hazards``).
    Columns are named as on ``Hazard``."""

    __tablename__ = "hazard_version"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        # The open hazards as of a moment: per state, those current or closed after it.
        return (*version_indexes("hazard_version"), Index("ix_hazard_version_state_valid_to", "state", "valid_to"))

    item_id: int = Field(foreign_key="hazard.id")
    state: str = Field(max_length=30)
    grade: str = Field(max_length=10)
    source: str = Field(max_length=20)
    region_code: str = Field(max_length=9)
    industry: str = Field(max_length=32)
    basis_standard: str | None = Field(default=None, max_length=20)
    supervising_department_id: int | None = None
    supervising_kind: str | None = Field(default=None, max_length=32)
    supervising_region_code: str | None = Field(default=None, max_length=9)
    lister_region_code: str | None = Field(default=None, max_length=9)
    lister_kind: str | None = Field(default=None, max_length=32)
    listed_on: date | None = None
    pre_2024_stock: bool = False
    found_at: datetime = Field(index=True)
    created_at: datetime
    deadline_at: datetime | None = Field(default=None, index=True)  # the deadline in force then
    original_deadline_at: datetime | None = None
    closed_at: datetime | None = Field(default=None, index=True)


HAZARD_HISTORY = History(HazardVersion)
