from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from qingling.db import PydanticJSON
from qingling.lifecycle import TimeBasis
from reports.database import ReportsModel


class RewardRule(ReportsModel, table=True):
    """One reward rule: the national one states every term, a local one only those its region
    changes (``None`` = as the rule above). Versions follow one another by ``valid_from``."""

    __tablename__ = "reward_rule"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    region_code: str | None = Field(default=None, max_length=9, index=True)  # None: the national rule
    title: str = Field(max_length=200)  # the document's name
    document: str | None = Field(default=None, max_length=100)  # its number, e.g. 安监总财〔2018〕19号
    basis_document: str | None = Field(default=None, max_length=200)  # the local document allowing more than national
    valid_from: date
    valid_to: date | None = None
    fine_percent: int | None = None
    fine_min: int | None = None
    fine_max: int | None = None
    death_amounts: dict[str, int] | None = Field(default=None, sa_type=JSON)
    death_cap: int | None = None
    anonymous_claims: bool | None = None
    employee_bonus_percent: int | None = None
    claim_days: int | None = None
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=100)
    created_at: datetime


class Reward(ReportsModel, table=True):
    """The reward for one true tip-off (after merging, one matter): assessed by the department that
    accepted it — which pays (谁受理谁奖励) — decided by its head, told to the first reporter who
    qualifies, claimed by that reporter (or lapsed), and paid out by the department, which records
    it. Every step is on the tip-off's audit trail."""

    __tablename__ = "reward"

    id: int | None = Field(default=None, primary_key=True)
    tip_off_id: int = Field(foreign_key="tip_off.id", unique=True)  # the matter
    reporter_tip_off_id: int | None = Field(default=None, foreign_key="tip_off.id")  # whose receipt claims it
    region_code: str = Field(max_length=9, index=True)
    state: str = Field(max_length=20, index=True)
    basis: str = Field(max_length=10)  # fine | accident
    fine_yuan: int | None = None
    penalty_ref: str | None = Field(default=None, max_length=100)
    accident_grade: str | None = Field(default=None, max_length=20)
    deaths: int | None = None
    amount_yuan: int = 0
    computation: str = Field(default="", max_length=500)
    terms: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # as applied, with the rules' keys
    ineligible_reason: str | None = Field(default=None, max_length=30)
    paying_department_id: int | None = None
    paying_department: str | None = Field(default=None, max_length=64)
    paying_region_code: str | None = Field(default=None, max_length=9)
    paying_kind: str | None = Field(default=None, max_length=30)
    sealed_claimant: str | None = Field(default=None, max_length=4000)  # identity given at an anonymous claim
    assessed_by: str = Field(max_length=100)
    assessed_at: datetime
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = None
    notified_at: datetime | None = None
    claim_due_at: datetime | None = Field(default=None, index=True)
    claimed_at: datetime | None = None
    claim_channel: str | None = Field(default=None, max_length=20)  # receipt | miniprogram
    lapsed_at: datetime | None = None
    paid_on: date | None = None  # the payout, as the paying department records it
    paid_amount_yuan: int | None = None
    payout_method: str | None = Field(default=None, max_length=20)
    paid_by: str | None = Field(default=None, max_length=50)
    payout_reason: str | None = Field(default=None, max_length=2000)  # why the amount differs from the decision
    payout_note: str | None = Field(default=None, max_length=200)
    payout_recorded_by: str | None = Field(default=None, max_length=100)
    payout_recorded_at: datetime | None = None
    step: str | None = Field(default=None, max_length=50)  # what must happen next within a time limit (领取) …
    step_due_at: datetime | None = Field(default=None, index=True)  # … and by when
    step_basis: TimeBasis | None = Field(default=None, sa_type=PydanticJSON(TimeBasis))  # … how that was counted
    step_provisional: bool = False  # … counted through a year whose holiday notice is not loaded
    updated_at: datetime
    closed_at: datetime | None = None  # paid, lapsed or not rewarded
