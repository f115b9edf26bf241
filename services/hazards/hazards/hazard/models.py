from datetime import date, datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from hazards.database import HazardsModel
from hazards.hazard.schemas import HazardDetails
from qingling.audit import GENESIS, AuditEntryBase, Head
from qingling.db import PydanticJSON, made_by
from qingling.lifecycle import TimeBasis

COMMITTEE = "committee"  # the lister is a level's 安委会 (its office, 安委办), not a department


class Hazard(HazardsModel, table=True):
    """One hazard (事故隐患), from its report to 销号. ``state`` moves only through the lifecycle
    declared in ``lifecycle.py``; every move is appended to the hazard's audit trail."""

    __table_args__ = (UniqueConstraint("lister_region_code", "lister_kind", "notice_year", "notice_no"),)

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
    tags: list[str] = Field(default_factory=made_by(list), sa_type=JSON)
    found_at: datetime
    pre_2024_stock: bool = Field(default=False, index=True)  # found before 2024: the stock 清零 starts from
    reported_by: str = Field(max_length=100)
    state: str = Field(max_length=30, index=True)
    # What each step recorded, kept as submitted: the major-hazard report (§4.1), the order with
    # its 五定, the listing, the plan, the latest progress, the extension, the completion, the
    # review and the close-out check. Typed; what authority and figures need is a column below.
    details: HazardDetails = Field(default_factory=made_by(HazardDetails), sa_type=PydanticJSON(HazardDetails))
    # The supervising department (属地 + 行业, from the register when reported; the listing may name another).
    supervising_department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    supervising_region_code: str | None = Field(default=None, max_length=9, index=True)
    supervising_kind: str | None = Field(default=None, max_length=32, index=True)
    supervising_name: str | None = Field(default=None, max_length=64)
    # The lister (挂牌督办机关): a department (its kind) or a level's 安委会 (COMMITTEE).
    lister_region_code: str | None = Field(default=None, max_length=9, index=True)
    lister_kind: str | None = Field(default=None, max_length=32, index=True)
    lister_name: str | None = Field(default=None, max_length=64)
    listed_on: date | None = Field(default=None, index=True)
    notice_year: int | None = None
    notice_no: str | None = Field(default=None, max_length=30)
    deadline_at: datetime | None = Field(default=None, index=True)  # the rectification deadline in force
    original_deadline_at: datetime | None = None
    deadline_provisional: bool = False
    step: str | None = Field(default=None, max_length=50)  # what must happen next within a time limit …
    step_due_at: datetime | None = None  # … and by when
    step_basis: TimeBasis | None = Field(default=None, sa_type=PydanticJSON(TimeBasis))  # … how that was counted
    step_provisional: bool = False  # … counted through a year whose holiday notice is not loaded
    production_suspended: bool = False
    suspended_at: datetime | None = None
    suspended_days: int = 0  # days the deadline moved for 停产停业治理, in all
    extension_granted: bool | None = Field(default=None, index=True)  # the latest extension's decision …
    extension_decided_at: datetime | None = None  # … and when it was made
    close_out_checked_by: str | None = Field(default=None, max_length=100)  # 审核把关: who …
    close_out_checked_department: str | None = Field(default=None, max_length=64)  # … for which department …
    close_out_checked_at: datetime | None = None  # … and when
    # 回头看 found this closed 重大 hazard back: the new hazard names the one it recurs of.
    recurrence_of_id: int | None = Field(default=None, foreign_key="hazard.id", index=True)
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
