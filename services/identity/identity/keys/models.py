from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field

from identity.database import IdentityModel


class SigningKey(IdentityModel, table=True):
    """A token signing key. The newest unretired key signs; every key not yet past ``retire_at``
    is published in the JWKS, so tokens signed before a rotation stay valid until they expire."""

    __tablename__ = "signing_key"
    kid: str = Field(primary_key=True, max_length=32)
    algorithm: str = Field(max_length=10)
    private_key_encrypted: str = Field(sa_type=Text)
    public_jwk: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime
    retire_at: datetime | None = None
