"""OAuth 2 scopes: what a client-credentials token may do.

People act by their roles; a system acting by itself (an enterprise's ERP, one of our services)
acts only within the scopes its client was granted, and every route that such a client may call
names the scope it needs (``allow(..., scope=...)``). A client token on a route that names none
of its scopes is refused, so a new route is closed to clients until someone decides otherwise.
"""

from enum import StrEnum


class Scope(StrEnum):
    """Scopes an enterprise API client may be granted (and narrow a token to)."""

    HAZARDS_READ = "hazards:read"
    HAZARDS_WRITE = "hazards:write"
    WEBHOOKS = "webhooks"


SCOPE_TITLES = {
    Scope.HAZARDS_READ: "读取本企业的隐患、期限与督办信息",
    Scope.HAZARDS_WRITE: "上报隐患、提交整改方案、进展与销号申请",
    Scope.WEBHOOKS: "管理 webhook 订阅",
}


class ServiceScope(StrEnum):
    """What one of our services may ask of another: a scope per kind of call, never granted to
    a service ``service_scopes`` names."""

    EVENTS = "service:events"  # deliver its own events to another service's /events
    REGISTER_READ = "service:register.read"  # read the register (routing a tip-off, checking an enterprise)
    ENTERPRISE_CREDENTIALS = "service:enterprise-credentials"  # accounts and clients of an enterprise it onboards
    RECEIPT_INBOX = "service:receipt-inbox"  # read a receipt holder's inbox for them, once the receipt is proven
    REVOCATIONS = "service:revocations"  # read the list of revoked sign-ins
    TIP_OFF_FIGURES = "service:tip-off-figures"  # read a region's tip-off and reward figures (the returns)
    DIRECTORY = "service:directory"  # the people of a place and their phones, e-mails and openids (notify alone)


# Every service delivers its own events and reads the revocation list; the rest by name.
_EVERY_SERVICE = frozenset({ServiceScope.EVENTS, ServiceScope.REVOCATIONS})
_BY_SERVICE: dict[str, frozenset[ServiceScope]] = {
    "identity": frozenset({ServiceScope.REGISTER_READ}),
    "hazards": frozenset({ServiceScope.ENTERPRISE_CREDENTIALS, ServiceScope.TIP_OFF_FIGURES}),
    "reports": frozenset({ServiceScope.REGISTER_READ, ServiceScope.RECEIPT_INBOX}),
    "notify": frozenset({ServiceScope.DIRECTORY}),
}


def service_scopes(name: str) -> frozenset[ServiceScope]:
    """What the service ``name`` may ask of the others."""
    return _EVERY_SERVICE | _BY_SERVICE.get(name, frozenset())


# The services whose routes each enterprise scope opens: a client's token is issued for these
# audiences only, unless it asks for fewer.
SCOPE_AUDIENCES: dict[Scope, frozenset[str]] = {
    Scope.HAZARDS_READ: frozenset({"hazards", "notify"}),  # the hazards, and their deadlines and reminders
    Scope.HAZARDS_WRITE: frozenset({"hazards"}),
    Scope.WEBHOOKS: frozenset({"notify"}),
}
