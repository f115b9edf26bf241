from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel


class MessageTemplate(NotifyModel, table=True):
    """One version of a message's wording. A new version never changes what was sent: the
    delivery log names the version and keeps the text as rendered."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=50, index=True)  # e.g. hazard.urge
    version: int
    title: str = Field(max_length=100)
    body: str = Field(max_length=2000)  # ``$name`` placeholders, see VARIABLES
    created_by: str = Field(max_length=100)
    created_at: datetime
