from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from identity.database import IdentityModel
from qingling.auth.principal import Principal
from qingling.auth.roles import Role


class Account(IdentityModel, table=True):
    """A person who signs in with a password: regulator staff, operators, enterprise users."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    password_hash: str = Field(max_length=200)
    roles: list[str] = Field(sa_type=JSON)
    region_code: str | None = Field(default=None, max_length=9, index=True)
    department: str | None = Field(default=None, max_length=32)
    enterprise_code: str | None = Field(default=None, max_length=18, index=True)
    phone: str | None = Field(default=None, max_length=20)  # a mobile number (older rows: as typed then)
    email: str | None = Field(default=None, max_length=254)
    disabled: bool = False
    must_change_password: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, max_length=100)

    @property
    def trail_target(self) -> str:
        return f"account:{self.id}"

    def principal(self) -> Principal:
        return Principal(
            subject=f"account:{self.id}",
            name=self.display_name,
            roles=frozenset(Role(role) for role in self.roles),
            region_code=self.region_code,
            department=self.department,
            enterprise_code=self.enterprise_code,
        )
