from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel


class MessageTemplate(NotifyModel, table=True):
    """One version of a message's wording, for one region: a message about a place uses the
    nearest region's newest version (``notify.regional``). The national default has no region and
    changes only with a release. Versions are numbered per key across all regions, so the delivery
    log's key and version name one wording; a new version never changes what was sent."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=50, index=True)  # e.g. hazard.urge
    region_code: str = Field(default="", max_length=9)  # "" = the national default
    version: int
    title: str = Field(max_length=100)
    body: str = Field(max_length=2000)  # ``$name`` placeholders, see VARIABLES
    created_by: str = Field(max_length=100)
    created_at: datetime
