from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from identity.database import IdentityModel
from qingling.auth.principal import Principal
from qingling.auth.roles import Role


class ApiClient(IdentityModel, table=True):
    """A system that signs in with client credentials: an enterprise's ERP, or one of our services.

    Two secrets may be live at once: after a rotation the previous one keeps working until
    ``previous_secret_expires_at``, so the enterprise can roll the change out without downtime."""

    __tablename__ = "api_client"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64)
    previous_secret_hash: str | None = Field(default=None, max_length=64)
    previous_secret_expires_at: datetime | None = None
    roles: list[str] = Field(sa_type=JSON)
    scopes: list[str] = Field(sa_type=JSON)
    region_code: str | None = Field(default=None, max_length=9, index=True)
    enterprise_code: str | None = Field(default=None, max_length=18, index=True)
    disabled: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, max_length=100)

    @property
    def trail_target(self) -> str:
        return f"client:{self.client_id}"

    def principal(self, scopes: frozenset[str] | None = None) -> Principal:
        return Principal(
            subject=self.client_id if self.client_id.startswith("service:") else f"client:{self.client_id}",
            name=self.name,
            roles=frozenset(Role(role) for role in self.roles),
            region_code=self.region_code,
            enterprise_code=self.enterprise_code,
            scopes=frozenset(self.scopes) if scopes is None else scopes,
        )
