from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel
from notify.supervision.schemas import InterviewDetails, SupervisedItems
from qingling.audit import GENESIS, AuditEntryBase, Head
from qingling.db import PydanticJSON
from qingling.lifecycle import TimeBasis


class SupervisionAct(NotifyModel, table=True):
    """One 督办 act with legal weight (issue 20): a 催办, a 通报, a 函告 or a 约谈, issued by an
    office (an 安委办 or a department) about the records and parties it names — by hand, or by the
    reminder ladder on an item's behalf. 通报 and 函告 carry a number unique per issuer, kind and
    year. Only a 约谈 moves (``INTERVIEW_LIFECYCLE``); the others are final once issued."""

    __tablename__ = "supervision_act"
    __table_args__ = (UniqueConstraint("issuer", "kind", "number_year", "number_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # urge | bulletin | letter | interview
    issuer: str = Field(max_length=60)  # the issuing office's inbox: "committee:330500", "department:330521:emergency"
    issuer_region_code: str = Field(max_length=9, index=True)
    issuer_department: str | None = Field(default=None, max_length=32)  # None: the level's 安委办
    issuer_name: str = Field(max_length=64)
    number_prefix: str | None = Field(default=None, max_length=20)
    number_year: int | None = None
    number_seq: int | None = None
    title: str = Field(max_length=100)
    text: str = Field(max_length=4000)
    basis: str | None = Field(default=None, max_length=200)  # what it was issued from, e.g. a month's ranking
    reply_by: date | None = None
    items: SupervisedItems = Field(default_factory=lambda: SupervisedItems([]), sa_type=PydanticJSON(SupervisedItems))
    automatic: bool = False  # issued by the reminder ladder
    reminder_id: int | None = Field(default=None, unique=True)  # … for this step, once
    state: str = Field(max_length=20, index=True)
    interview: InterviewDetails | None = Field(default=None, sa_type=PydanticJSON(InterviewDetails))
    step: str | None = Field(default=None, max_length=50)
    step_due_at: datetime | None = None
    step_basis: TimeBasis | None = Field(default=None, sa_type=PydanticJSON(TimeBasis))
    step_provisional: bool = False
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(index=True)
    updated_at: datetime
    closed_at: datetime | None = None
    audit_seq: int = 0
    audit_head: str = Field(default=GENESIS, max_length=64)

    @property
    def number(self) -> str | None:
        if self.number_seq is None:
            return None
        return f"{self.number_prefix or ''}〔{self.number_year}〕{self.number_seq}号"

    @property
    def head(self) -> Head:
        return Head(self.audit_seq, self.audit_head)


class SupervisionParty(NotifyModel, table=True):
    """Whom an act concerns and is sent to: an office or an enterprise (its inbox), about one of
    the records it names (a hazard, a tip-off, a return) or about itself; with its reply."""

    __tablename__ = "supervision_party"

    id: int | None = Field(default=None, primary_key=True)
    act_id: int = Field(foreign_key="supervision_act.id", index=True)
    address: str = Field(
        max_length=60, index=True
    )  # enterprise:<code> | department:<region>:<kind> | committee:<region>
    name: str | None = Field(default=None, max_length=64)
    region_code: str = Field(max_length=9, index=True)
    enterprise_code: str | None = Field(default=None, max_length=18, index=True)
    item_type: str | None = Field(default=None, max_length=20)
    item_id: int | None = Field(default=None, index=True)
    item_title: str | None = Field(default=None, max_length=100)
    reply: str | None = Field(default=None, max_length=2000)
    replied_by: str | None = Field(default=None, max_length=100)
    replied_at: datetime | None = None


class Commitment(NotifyModel, table=True):
    """What the party interviewed promised at a 约谈, by when: a deadline of its own on the board,
    with its reminders, until the interviewing office records it fulfilled."""

    __tablename__ = "supervision_commitment"
    __table_args__ = (UniqueConstraint("act_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    act_id: int = Field(foreign_key="supervision_act.id", index=True)
    seq: int
    content: str = Field(max_length=500)
    due_on: date
    deadline_at: datetime
    fulfilled_at: datetime | None = None
    fulfilled_by: str | None = Field(default=None, max_length=100)
    fulfilment: str | None = Field(default=None, max_length=1000)


class SupervisionAudit(AuditEntryBase, NotifyModel, table=True):
    __tablename__ = "supervision_audit"
    subject_id: int = Field(foreign_key="supervision_act.id", index=True)
