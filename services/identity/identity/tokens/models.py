from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from identity.database import IdentityModel


class RefreshToken(IdentityModel, table=True):
    """One-time refresh token. Using one issues the next in the same family; presenting a used
    one again means it was stolen, and the whole family is revoked."""

    __tablename__ = "refresh_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    family: str = Field(max_length=32, index=True)
    audience: list[str] = Field(sa_type=JSON)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
