from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from hazards.database import HazardsModel
from qingling.audit import GENESIS, AuditEntryBase, Head


class Hazard(HazardsModel, table=True):
    """One hazard (事故隐患), from its report to 销号. ``state`` moves only through the lifecycle
    declared in ``lifecycle.py``; every move is appended to the hazard's audit trail."""

    __table_args__ = (UniqueConstraint("lister_region_code", "notice_year", "notice_no"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20, index=True)  # self_report | inspection | tip_off
    source_ref: str | None = Field(default=None, max_length=64, unique=True)  # e.g. the tip-off it came from
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    enterprise_code: str = Field(max_length=18, index=True)
    region_code: str = Field(max_length=9, index=True)
    industry: str = Field(max_length=32, index=True)
    title: str = Field(max_length=100)
    description: str = Field(max_length=4000)
    grade: str = Field(max_length=10, index=True)  # general | major
    basis_standard: str | None = Field(default=None, max_length=20)
    basis_clause: str | None = Field(default=None, max_length=50)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    found_at: datetime
    pre_2024_stock: bool = Field(default=False, index=True)  # found before 2024: the stock 清零 starts from
    reported_by: str = Field(max_length=100)
    state: str = Field(max_length=30, index=True)
    # What each step recorded, kept as submitted: the major-hazard report (§4.1), the order with
    # its 五定, the listing, the plan, the latest progress, the extension, the completion and review.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    supervising_department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    lister_region_code: str | None = Field(default=None, max_length=9, index=True)
    notice_year: int | None = None
    notice_no: str | None = Field(default=None, max_length=30)
    deadline_at: datetime | None = Field(default=None, index=True)  # the rectification deadline in force
    original_deadline_at: datetime | None = None
    deadline_provisional: bool = False
    step: str | None = Field(default=None, max_length=50)  # what must happen next within a time limit …
    step_due_at: datetime | None = None  # … and by when
    production_suspended: bool = False
    suspended_at: datetime | None = None
    audit_seq: int = 0
    audit_head: str = Field(default=GENESIS, max_length=64)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None

    @property
    def head(self) -> Head:
        return Head(self.audit_seq, self.audit_head)


class HazardAudit(AuditEntryBase, HazardsModel, table=True):
    __tablename__ = "hazard_audit"
    subject_id: int = Field(foreign_key="hazard.id", index=True)
