from datetime import datetime

from sqlmodel import Field

from notify.database import NotifyModel


class Delivery(NotifyModel, table=True):
    """One attempt to tell one recipient one thing, kept as evidence of who was told what, when:
    the template and version, the text as sent, the channel's message id and the outcome."""

    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=20)
    item_id: int = Field(index=True)
    cause: str = Field(max_length=50)  # e.g. "reminder:17"
    step: str | None = Field(default=None, max_length=30)
    recipient: str = Field(max_length=100)
    channel: str = Field(max_length=20)  # inbox | webhook | wechat | sms | email
    template: str = Field(max_length=50)
    template_version: int
    title: str = Field(max_length=100)
    text: str = Field(max_length=4000)
    provider_message_id: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=20)  # delivered | failed | undeliverable (no recipient: nobody was told)
    error: str | None = Field(default=None, max_length=500)
    attempted_at: datetime
