"""The caller, as every service sees it after verifying the token."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from qingling.auth.roles import Role
from qingling.regions import Level, covers, jurisdiction_prefix, level


class Principal(BaseModel):
    """调用者：角色与在层级中的位置（辖区 = 行政区划代码前缀）。"""

    model_config = ConfigDict(frozen=True)

    subject: str  # "account:12", "client:erp-330521-…", "wechat:7", "service:hazards"
    name: str = ""
    roles: frozenset[Role] = frozenset()
    region_code: str | None = None
    department: str | None = None  # department kind, e.g. "emergency" (应急管理局)
    enterprise_code: str | None = None  # 统一社会信用代码
    scopes: frozenset[str] = frozenset()

    @property
    def is_client(self) -> bool:
        """A system acting by itself (client credentials): bound by its scopes, not only its roles."""
        return self.has(Role.ENTERPRISE_CLIENT, Role.SERVICE)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def level(self) -> Level | None:
        return level(self.region_code) if self.region_code else None

    @property
    def jurisdiction(self) -> str | None:
        return jurisdiction_prefix(self.region_code) if self.region_code else None

    def covers(self, region_code: str) -> bool:
        """Whether a place lies in this caller's jurisdiction."""
        return self.region_code is not None and covers(self.region_code, region_code)

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "roles": sorted(self.roles)}
        optional = {
            "name": self.name,
            "region": self.region_code,
            "dept": self.department,
            "ent": self.enterprise_code,
            "scope": " ".join(sorted(self.scopes)),
        }
        claims.update({key: value for key, value in optional.items() if value})
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            subject=claims["sub"],
            name=claims.get("name", ""),
            roles=frozenset(Role(role) for role in claims.get("roles", []) if role in Role.__members__.values()),
            region_code=claims.get("region"),
            department=claims.get("dept"),
            enterprise_code=claims.get("ent"),
            scopes=frozenset(claims.get("scope", "").split()),
        )


# Whoever holds a tip-off's receipt code and secret: no account, no roles, never named on a trail.
RECEIPT_HOLDER = Principal(subject="reporter")
