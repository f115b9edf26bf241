from datetime import datetime

from sqlmodel import Field

from identity.database import IdentityModel


class Revocation(IdentityModel, table=True):
    """Access tokens of ``subject`` issued before ``not_before`` are no longer to be accepted
    (a password reset, a disabled account, changed roles or department)."""

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=120, index=True)  # "account:12", "client:ent-…"
    not_before: int = Field(index=True)  # epoch seconds
    created_at: datetime
