from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from hazards.database import HazardsModel


class Reinspection(HazardsModel, table=True):
    """One 回头看 of a closed 重大 hazard: who went (the body, as the lister is recorded on the
    hazard), when, what they found and whether it held. Never changed once recorded, so the
    figures count it as of any moment by ``created_at``. The hazard's place, industry, grade,
    source, standard and supervising department are copied from the hazard when recorded: the
    figures group and narrow re-inspections by the same keys as hazards."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    region_code: str = Field(max_length=9, index=True)
    industry: str = Field(max_length=32)
    grade: str = Field(max_length=10)
    source: str = Field(max_length=20)
    basis_standard: str | None = Field(default=None, max_length=20)
    supervising_department_id: int | None = None
    inspected_at: datetime = Field(index=True)
    inspectors: list[str] = Field(sa_type=JSON)  # the names of those who went
    result: str = Field(max_length=10, index=True)  # passed | failed
    findings: str = Field(max_length=2000)
    # The body that did it: the lister (or, never listed, the supervising department) or the level
    # above it — a department (its kind) or a level's 安委会 (``COMMITTEE``).
    capacity: str = Field(max_length=10)  # lister | above
    body_region_code: str = Field(max_length=9, index=True)
    body_kind: str = Field(max_length=32)
    body_name: str = Field(max_length=64)
    recorded_by: str = Field(max_length=100)
    new_hazard_id: int | None = Field(default=None, foreign_key="hazard.id", unique=True)  # a failure's recurrence
    created_at: datetime
