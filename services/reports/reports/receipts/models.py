from datetime import datetime

from sqlmodel import Field

from reports.database import ReportsModel


class ReceiptFailure(ReportsModel, table=True):
    """Failed receipt look-ups in the current window, per receipt code and per client address.
    Kept in the database, so every replica counts against the same limit."""

    __tablename__ = "receipt_failure"

    key: str = Field(primary_key=True, max_length=80)  # "code:<receipt code>" or "address:<client address>"
    window_started_at: datetime
    failures: int = 0
