from datetime import datetime

from sqlmodel import Field

from reports.database import ReportsModel


class ReceiptFailure(ReportsModel, table=True):
    """Failures in the current window: receipt look-ups per receipt code and per client address,
    reward claims whose identity does not match per reward. Kept in the database, so every
    replica counts against the same limit."""

    __tablename__ = "receipt_failure"

    # "code:<receipt code>", "address:<client address>" or "claim:<reward id>"
    key: str = Field(primary_key=True, max_length=80)
    window_started_at: datetime
    failures: int = 0
