from datetime import date, datetime

from sqlmodel import Field

from qingling.history import History, VersionBase
from reports.database import ReportsModel


class TipOffVersion(VersionBase, ReportsModel, table=True):
    """A tip-off's figure-relevant columns over one stretch of time (``qingling.history``): the
    figures as of a moment read the versions in force then. Written where every change of a
    tip-off passes (``tipoffs.service.record_change``). Columns are named as on ``TipOff``
    (``refusal_ground`` and ``objected_at`` are its typed details, read as properties)."""

    __tablename__ = "tip_off_version"

    item_id: int = Field(foreign_key="tip_off.id")
    region_code: str = Field(max_length=9)
    industry: str = Field(max_length=32)
    category: str = Field(max_length=30)
    channel: str = Field(max_length=20)
    lead_department_id: int | None = None
    lead_department: str | None = Field(default=None, max_length=64)
    state: str = Field(max_length=30)
    refusal_ground: str | None = Field(default=None, max_length=30)
    received_at: datetime = Field(index=True)
    accepted_at: datetime | None = None
    concluded_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=20)
    replied_at: datetime | None = None
    objected_at: datetime | None = None
    hazard_id: int | None = None
    step_due_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime


class RewardVersion(VersionBase, ReportsModel, table=True):
    """A reward's figure-relevant columns over one stretch of time; written with its tip-off's
    (``record_change(..., reward=...)``: the assessment and every step). Named as on ``Reward``."""

    __tablename__ = "reward_version"

    item_id: int = Field(foreign_key="reward.id")
    tip_off_id: int = Field(foreign_key="tip_off.id")
    state: str = Field(max_length=20)
    amount_yuan: int = 0
    assessed_at: datetime
    decided_at: datetime | None = None
    notified_at: datetime | None = None
    claimed_at: datetime | None = None
    lapsed_at: datetime | None = None
    paid_on: date | None = None
    paid_amount_yuan: int | None = None
    payout_recorded_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime


TIP_OFF_HISTORY = History(TipOffVersion)
REWARD_HISTORY = History(RewardVersion)
