from datetime import datetime

from sqlmodel import Field

from reports.database import ReportsModel


class TipOffMedia(ReportsModel, table=True):
    """A photo, video or document sent with a tip-off. Uploaded first (one file a request, as a
    mini-program does), then named by its token in the tip-off or in a later addition. What is kept
    is a copy without metadata, sealed in the file store (reports.media.service)."""

    __tablename__ = "tip_off_media"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=43, unique=True)  # the uploader's handle until it is attached
    tip_off_id: int | None = Field(default=None, foreign_key="tip_off.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="tip_off_message.id")  # came with this addition
    # The file's name in the store: HMAC-SHA-256 of the kept content (plain SHA-256 of the file as
    # received for media from before sealing, ``cleaned`` false).
    sha256: str = Field(max_length=64)
    media_type: str = Field(max_length=50)  # detected from the content
    size: int
    side: str = Field(max_length=10)  # reporter | handler
    received_at: datetime
    attached_at: datetime | None = None
    cleaned: bool = True  # kept without metadata and sealed; false: from before, stripped when read
    # HMAC of the uploader's client address, for the quota on unattached media; cleared once attached.
    uploader_key: str | None = Field(default=None, max_length=64, index=True)
