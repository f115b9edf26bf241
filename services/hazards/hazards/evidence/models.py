from datetime import datetime

from sqlmodel import Field

from hazards.database import HazardsModel


class Evidence(HazardsModel, table=True):
    """A file attached to a hazard as evidence: rectification photos, evaluation reports, a short
    video. The bytes live in the evidence store under their SHA-256; this row says what they are
    (by their content, never their name), who sent them from which side, and when the server got them."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=50)  # detected from the content
    size: int
    received_at: datetime  # the server's clock, not the file's
    uploaded_by: str = Field(max_length=100)
    uploader_side: str = Field(max_length=20)  # enterprise | regulator
    filename: str = Field(max_length=255)  # as sent, for display only
    note: str | None = Field(default=None, max_length=500)
    gps_latitude: float | None = None  # from the image's EXIF, WGS-84
    gps_longitude: float | None = None
    distance_m: float | None = None  # from the enterprise's recorded location
