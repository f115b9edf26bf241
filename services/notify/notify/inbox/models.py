from datetime import datetime

from sqlmodel import Field

from notify.database import NotifyModel


class InboxEntry(NotifyModel, table=True):
    """One message in one recipient's inbox. The recipient is a principal's subject
    ("account:12", "wechat:7"), a place whose people share it ("enterprise:<credit code>",
    "department:<region>:<kind>", "committee:<region>"), or an anonymous reporter's receipt
    ("receipt:<code>"). ``read_at``/``read_by`` are the read receipt."""

    __tablename__ = "inbox_entry"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=100, index=True)
    source: str = Field(max_length=100, unique=True)  # what it came from, e.g. "tip_off_message:12": once only
    item_type: str = Field(max_length=20)
    item_id: int
    kind: str = Field(max_length=20)
    title: str = Field(max_length=100)
    text: str = Field(max_length=4000)
    at: datetime  # when it was said
    delivered_at: datetime
    read_at: datetime | None = None
    read_by: str | None = Field(default=None, max_length=100)  # who opened it first (a shared inbox has many readers)
