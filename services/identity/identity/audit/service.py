"""The identity trail: every change of an account, role, API client or signing key, appended to
one hash chain (``qingling.audit``) in the transaction of the change itself. Passwords, secrets
and keys are never written to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.audit.models import TRAIL, IdentityAudit, IdentityAuditHead
from identity.permissions import scope_filter
from qingling import audit
from qingling.auth.principal import Principal
from qingling.pagination import PageParams, fetch_page


async def record(
    session: AsyncSession,
    caller: Principal,
    now: datetime,
    *,
    action: str,
    target: str,
    region_code: str | None,
    enterprise_code: str | None,
    change: dict[str, Any],
    reason: str | None = None,
) -> None:
    head = await session.get(IdentityAuditHead, TRAIL, with_for_update=True)
    if head is None:  # normally created by the migration
        head = IdentityAuditHead(id=TRAIL)
        session.add(head)
    payload = {"target": target, "region_code": region_code, "enterprise_code": enterprise_code, "change": change}
    values = audit.trail_values(
        TRAIL, audit.Head(head.seq, head.hash), action=action, actor=caller, at=now, payload=payload, reason=reason
    )
    session.add(IdentityAudit(**values, target=target, target_region=region_code, target_enterprise=enterprise_code))
    head.seq, head.hash = values["seq"], values["hash"]


class Administered(Protocol):
    """An account or API client: what the trail is about, and where it sits."""

    @property
    def trail_target(self) -> str: ...

    region_code: str | None
    enterprise_code: str | None


async def record_about(
    session: AsyncSession,
    caller: Principal,
    now: datetime,
    thing: Administered,
    action: str,
    change: dict[str, Any],
    reason: str | None = None,
) -> None:
    """``record`` for a change of an account or a client."""
    await record(
        session,
        caller,
        now,
        action=action,
        target=thing.trail_target,
        region_code=thing.region_code,
        enterprise_code=thing.enterprise_code,
        change=change,
        reason=reason,
    )


async def page(session: AsyncSession, caller: Principal, params: PageParams, target: str | None) -> list[IdentityAudit]:
    """The entries about accounts and clients the caller administers (and key rotations at or
    below its level), oldest first."""
    query = select(IdentityAudit).where(
        scope_filter(caller, IdentityAudit.target_region, IdentityAudit.target_enterprise)
    )
    if target:
        query = query.where(IdentityAudit.target == target)
    return await fetch_page(session, query, IdentityAudit.seq, params)


async def verify(session: AsyncSession) -> audit.Verification:
    """The whole chain, entry by entry, and against the head."""
    entries = (await session.execute(select(IdentityAudit).order_by(IdentityAudit.seq))).scalars().all()
    head = await session.get(IdentityAuditHead, TRAIL)
    return audit.verify(list(entries), audit.Head(head.seq, head.hash) if head else audit.Head())
