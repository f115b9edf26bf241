from sqlmodel import Field

from identity.database import IdentityModel
from qingling.audit import GENESIS, AuditEntryBase

# The identity service keeps one chain for all its records (accounts, clients, keys): who
# changed what is read across them, and one head guards the whole trail.
TRAIL = 1


class IdentityAudit(AuditEntryBase, IdentityModel, table=True):
    """One change of an account, API client or signing key. ``subject_id`` is always ``TRAIL``;
    the target and its place are copied out of the (hashed) payload for filtering."""

    __tablename__ = "identity_audit"
    target: str = Field(max_length=120, index=True)  # "account:12", "client:ent-…", "key:…"
    target_region: str | None = Field(default=None, max_length=9, index=True)
    target_enterprise: str | None = Field(default=None, max_length=18, index=True)


class IdentityAuditHead(IdentityModel, table=True):
    """The trail's last entry, locked by every writer: appends are serialised and a deleted
    tail is noticed."""

    __tablename__ = "identity_audit_head"
    id: int = Field(default=TRAIL, primary_key=True)
    seq: int = 0
    hash: str = Field(default=GENESIS, max_length=64)
