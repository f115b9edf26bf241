from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from qingling.audit import GENESIS, AuditEntryBase, Head
from qingling.db import PydanticJSON, made_by
from qingling.lifecycle import TimeBasis
from reports.database import ReportsModel
from reports.tipoffs.schemas import TipOffDetails


class TipOff(ReportsModel, table=True):
    """One tip-off (举报), from intake to 办结. Handlers see what is here: the facts with anything
    identifying masked. Who reported it, how to reach them and their own words are sealed apart
    (``SealedReporter``). ``state`` moves only through the lifecycle in ``lifecycle.py``."""

    __tablename__ = "tip_off"
    # Intake's duplicate look-up by place: the same category within a box of latitude (duplicates.service).
    __table_args__ = (Index("ix_tip_off_category_latitude", "category", "latitude"),)

    id: int | None = Field(default=None, primary_key=True)
    receipt_code: str = Field(max_length=10, unique=True)
    secret_hash: str = Field(max_length=64)  # keyed HMAC of the reporter's secret
    channel: str = Field(max_length=20, index=True)
    category: str = Field(max_length=30, index=True)
    industry: str = Field(max_length=32, index=True)
    enterprise_code: str | None = Field(default=None, max_length=18, index=True)
    enterprise_name: str | None = Field(default=None, max_length=100)
    target: str | None = Field(default=None, max_length=200)  # the unit, in the reporter's words, when not registered
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    region_code: str = Field(max_length=9, index=True)
    observed_at: datetime | None = None
    facts: str = Field(max_length=4000)  # redacted: phone numbers, ID numbers, the reporter's name masked
    real_name: bool = False  # the reporter gave a name and a way to reach them
    employee: bool = False  # the reporter says they work for the reported unit
    reporter_key: str | None = Field(default=None, max_length=64, index=True)  # HMAC of a signed-in reporter
    entered_by: str | None = Field(default=None, max_length=100)  # the hotline operator
    call_reference: str | None = Field(default=None, max_length=50)
    call_at: datetime | None = None
    content_flag: str | None = Field(default=None, max_length=50)  # the content-safety check's label
    lead_department_id: int | None = Field(default=None, index=True)
    lead_department: str | None = Field(default=None, max_length=64)
    lead_region_code: str | None = Field(default=None, max_length=9, index=True)
    lead_kind: str | None = Field(default=None, max_length=30)
    co_handlers: list[dict[str, Any]] = Field(default_factory=made_by(list), sa_type=JSON)
    state: str = Field(max_length=30, index=True)
    # What each step recorded: refusal grounds, hand-over, extension reason, findings, objection.
    details: TipOffDetails = Field(default_factory=made_by(TipOffDetails), sa_type=PydanticJSON(TipOffDetails))
    accepted_at: datetime | None = Field(default=None, index=True)
    # The department that accepted it: it pays any reward (谁受理谁奖励).
    accepted_by_department_id: int | None = Field(default=None, index=True)
    accepted_by_department: str | None = Field(default=None, max_length=64)
    accepted_by_region_code: str | None = Field(default=None, max_length=9)
    accepted_by_kind: str | None = Field(default=None, max_length=30)
    concluded_at: datetime | None = Field(default=None, index=True)
    outcome: str | None = Field(default=None, max_length=20, index=True)  # Outcome, as concluded or re-examined
    replied_at: datetime | None = Field(default=None, index=True)
    extension_days: int | None = None  # the one extension of verification asked for …
    extension_decision: str | None = Field(default=None, max_length=10, index=True)  # … ExtensionDecision …
    extension_decided_by: str | None = Field(default=None, max_length=64)  # … and the department that decided
    duplicate_of: int | None = Field(default=None, foreign_key="tip_off.id", index=True)  # refused as, or merged into
    extended: bool = False  # the one extension of verification has been granted
    hazard_id: int | None = Field(default=None, index=True)  # the hazard a true tip-off became …
    hazard_state: str | None = Field(default=None, max_length=30)  # … and its state, mirrored for the reporter
    hazard_seq: int = 0
    step: str | None = Field(default=None, max_length=50)  # what must happen next within a time limit …
    step_due_at: datetime | None = Field(default=None, index=True)  # … and by when
    step_basis: TimeBasis | None = Field(default=None, sa_type=PydanticJSON(TimeBasis))  # … how that was counted
    step_provisional: bool = False  # … counted through a year whose holiday notice is not loaded
    audit_seq: int = 0
    audit_head: str = Field(default=GENESIS, max_length=64)
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None

    @property
    def head(self) -> Head:
        return Head(self.audit_seq, self.audit_head)

    @property
    def refusal_ground(self) -> str | None:  # for its versions (``figures.models``)
        return self.details.refusal.ground if self.details.refusal is not None else None

    @property
    def objected_at(self) -> datetime | None:
        return self.details.objection.at if self.details.objection is not None else None


class TipOffFlag(ReportsModel, table=True):
    """Two open tip-offs that may report the same matter, flagged as the later one was taken in
    (``duplicates``): each reads the other among its possible duplicates. One row per pair,
    inserted and never rewritten — so intakes naming the same enterprise at the same moment
    neither lock nor rewrite each other's rows."""

    __tablename__ = "tip_off_flag"

    tip_off_id: int = Field(foreign_key="tip_off.id", primary_key=True)  # the later, flagged at its intake
    other_id: int = Field(foreign_key="tip_off.id", primary_key=True, index=True)  # the earlier


class TipOffHolder(ReportsModel, table=True):
    """A department that led a tip-off and handed it on (转办, 更正事发地, 提级办理): it keeps
    read access to the case, its trail, media, messages and reward."""

    __tablename__ = "tip_off_holder"

    tip_off_id: int = Field(foreign_key="tip_off.id", primary_key=True)
    region_code: str = Field(max_length=9, primary_key=True)
    kind: str = Field(max_length=30, primary_key=True)
    department_id: int | None = None
    department: str | None = Field(default=None, max_length=64)
    handed_on_at: datetime
    by_action: str = Field(max_length=30)


class SealedReporter(ReportsModel, table=True):
    """The reporter's identity, contact and own words, sealed (AES-GCM, bound to the tip-off).
    Opened only for a custodian who states a reason; every opening is on the tip-off's trail."""

    __tablename__ = "sealed_reporter"

    tip_off_id: int = Field(foreign_key="tip_off.id", primary_key=True)
    sealed: str = Field(max_length=20000)  # names the key it was sealed with, so keys can rotate


class TipOffAudit(AuditEntryBase, ReportsModel, table=True):
    __tablename__ = "tip_off_audit"
    subject_id: int = Field(foreign_key="tip_off.id", index=True)


class RegisterAnswer(ReportsModel, table=True):
    """The register's (hazards service's) last answer to a question routing asks — which
    departments handle a place and industry, what a credit code names — kept so that routing goes
    on when the hazards service is briefly down."""

    __tablename__ = "register_answer"

    question: str = Field(primary_key=True, max_length=100)  # e.g. "resolve:330521:industry_trade"
    answer: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # None: the register knows no such thing
    fetched_at: datetime
