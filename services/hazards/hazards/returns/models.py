from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from hazards.database import HazardsModel
from hazards.returns.schemas import ReturnFigures
from qingling.audit import GENESIS, AuditEntryBase, Head
from qingling.db import PydanticJSON
from qingling.lifecycle import TimeBasis


class Snapshot(PydanticJSON):
    """A figures snapshot kept whole: its nulls too (a rate with no denominator, a part that could
    not be had), which the figures' models require to be present."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class PeriodicReturn(HazardsModel, table=True):
    """One return (报表) a department owes the 安委办 of its level for one period: opened by the
    sweep when the period ends, moved only through the lifecycle in ``lifecycle.py``, every step
    on its audit trail. One per kind, period and department."""

    __tablename__ = "periodic_return"
    __table_args__ = (UniqueConstraint("kind", "period", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10, index=True)  # weekly | monthly | quarterly | annual
    period: str = Field(max_length=10, index=True)  # 2025-W18 | 2025-04 | 2025-Q1 | 2025
    period_first_day: date
    period_last_day: date
    # The submitting department, as the register named it when the return was opened.
    department_id: int = Field(foreign_key="department.id", index=True)
    department_region_code: str = Field(max_length=9, index=True)
    department_kind: str = Field(max_length=32)
    department_name: str = Field(max_length=64)
    committee_region_code: str = Field(max_length=9, index=True)  # the 安委办 it goes to: the same level's …
    committee_name: str = Field(max_length=64)  # … by name, e.g. 德清县安委办
    state: str = Field(max_length=20, index=True)
    due_at: datetime = Field(index=True)  # the return's deadline (the first limit; a send-back sets a step of its own)
    due_provisional: bool = False
    step: str | None = Field(default=None, max_length=50)
    step_due_at: datetime | None = None
    step_basis: TimeBasis | None = Field(default=None, sa_type=PydanticJSON(TimeBasis))
    step_provisional: bool = False
    figures: ReturnFigures | None = Field(default=None, sa_type=Snapshot(ReturnFigures))
    preparation_note: str | None = Field(default=None, max_length=2000)
    submission_note: str | None = Field(default=None, max_length=2000)
    first_submitted_at: datetime | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = Field(default=None, max_length=100)
    sent_back_reason: str | None = Field(default=None, max_length=1000)
    received_at: datetime | None = None
    received_by: str | None = Field(default=None, max_length=100)
    audit_seq: int = 0
    audit_head: str = Field(default=GENESIS, max_length=64)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None

    @property
    def head(self) -> Head:
        return Head(self.audit_seq, self.audit_head)


class PeriodicReturnAudit(AuditEntryBase, HazardsModel, table=True):
    __tablename__ = "periodic_return_audit"
    subject_id: int = Field(foreign_key="periodic_return.id", index=True)
