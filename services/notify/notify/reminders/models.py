from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel


class ReminderPlan(NotifyModel, table=True):
    """The reminder ladder for one kind of item (a major hazard …) in one region, as data: each
    step's offset from the deadline, who is told and with which template. The national default has
    no region; a region's plan replaces it for every item within it."""

    __tablename__ = "reminder_plan"
    __table_args__ = (UniqueConstraint("item_type", "grade", "region_code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=20)
    grade: str = Field(max_length=10)  # major | general
    region_code: str = Field(default="", max_length=9)  # "" = everywhere
    version: int
    steps: list[dict[str, Any]] = Field(sa_type=JSON)
    created_by: str = Field(max_length=100)
    created_at: datetime


class Reminder(NotifyModel, table=True):
    """One step of an item's ladder, due at a time computed from the deadline then in force. When
    the deadline moves, the pending steps of the old one are cancelled and new ones planned, so a
    step for a superseded deadline never fires."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("item_type", "item_id", "step", "deadline_at"),)

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=20)
    item_id: int = Field(index=True)
    step: str = Field(max_length=30)  # the plan's step key, e.g. warn_15, urge
    title: str = Field(max_length=20)  # 预警 催办 通报 约谈
    deadline_at: datetime
    due_at: datetime = Field(index=True)
    audience: list[str] = Field(sa_type=JSON)
    template: str = Field(max_length=50)
    plan_id: int
    state: str = Field(default="pending", max_length=10, index=True)  # pending | sent | failed | cancelled
    provisional: bool = False  # counted with a year whose holiday notice is not loaded (or from such a deadline)
    replanned_from: datetime | None = None  # the due time before the last re-planning
    replanned_at: datetime | None = None
    note: str | None = Field(default=None, max_length=300)  # why it was re-planned, or why it failed
    sent_at: datetime | None = None
    cancelled_at: datetime | None = None
