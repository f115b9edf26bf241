from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel


class TrackedDeadline(NotifyModel, table=True):
    """The latest known deadlines of an item another service owns (a hazard …), kept from its
    events: the ground the reminder ladder stands on."""

    __tablename__ = "tracked_deadline"
    __table_args__ = (UniqueConstraint("item_type", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=20)
    item_id: int
    title: str = Field(max_length=100)
    state: str = Field(max_length=30)
    grade: str = Field(max_length=10)
    region_code: str = Field(max_length=9, index=True)
    enterprise_code: str = Field(max_length=18, index=True)
    lister_region_code: str | None = Field(default=None, max_length=9)
    supervising_region_code: str | None = Field(default=None, max_length=9)  # the supervising department …
    supervising_kind: str | None = Field(default=None, max_length=32)  # … by place and kind, as staff are
    deadline_at: datetime | None = Field(default=None, index=True)
    deadline_provisional: bool = False
    step: str | None = Field(default=None, max_length=50)
    step_due_at: datetime | None = None
    production_suspended: bool = False
    closed: bool = Field(default=False, index=True)
    version: int = 0  # the owner's change number of the picture kept: events arrive in any order
    last_event_at: datetime
    updated_at: datetime
