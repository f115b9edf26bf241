from datetime import date, datetime

from sqlalchemy import Index, text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field

from hazards.database import HazardsModel
from qingling.history import History, VersionBase, version_indexes


def _figures_index(name: str, keys: list[str], include: list[str], where: str | None = None) -> Index:
    """An index a figure's query reads alone: ``keys`` narrow the versions, and on PostgreSQL the
    ``include``d columns — the as-of bounds, the grouping by region and what the measure counts —
    make it an index-only scan, not one heap page per row (``bench/figures.py``). SQLite indexes
    the keys."""
    condition = {} if where is None else {"postgresql_where": text(where), "sqlite_where": text(where)}
    return Index(name, *keys, postgresql_include=include, **condition)


AS_OF = ["valid_from", "valid_to", "region_code", "state"]
FIGURES_INDEXES = (
    # found in the period, of them recurrences (and zeroing's new 重大 hazards per quarter: not stock)
    _figures_index("ix_hazard_version_found_at", ["found_at"], [*AS_OF, "grade", "pre_2024_stock", "recurrence_of_id"]),
    # due in the period: closed by the deadline or not
    _figures_index("ix_hazard_version_deadline_at", ["deadline_at"], [*AS_OF, "closed_at"], "deadline_at IS NOT NULL"),
    # closed in the period, and the days it took
    _figures_index("ix_hazard_version_closed_at", ["closed_at"], [*AS_OF, "found_at"], "closed_at IS NOT NULL"),
    # open at a moment: per state, the current versions and those ended after it
    _figures_index(
        "ix_hazard_version_state_valid_to",
        ["state", "valid_to"],
        ["valid_from", "region_code", "grade", "deadline_at", "pre_2024_stock"],
    ),
)


class HazardVersion(VersionBase, HazardsModel, table=True):
    """A hazard's figure-relevant columns over one stretch of time (``qingling.history``): the
    figures as of a moment read the versions in force then. Written where every change of a
    hazard passes (``hazard.service.record_change``) and by the bulk inserts (``insert_hazards``).
    Columns are named as on ``Hazard``."""

    __tablename__ = "hazard_version"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (*version_indexes("hazard_version"), *FIGURES_INDEXES)

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
    found_at: datetime
    created_at: datetime
    deadline_at: datetime | None = None  # the deadline in force then
    original_deadline_at: datetime | None = None
    closed_at: datetime | None = None
    recurrence_of_id: int | None = None  # a recurrence found by 回头看 (figures: recurred)


HAZARD_HISTORY = History(HazardVersion)
