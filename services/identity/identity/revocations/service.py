"""Revocation: a password reset, a disabled account or changed roles end the account's sign-ins
at once — its refresh tokens are revoked in the same transaction, and its access tokens issued
until now are published here for every service's token verifier to refuse."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.revocations.models import Revocation
from identity.tokens.models import RefreshToken

# A listed entry outlives every access token it can concern by this much.
MARGIN = timedelta(minutes=5)


async def revoke(session: AsyncSession, subject: str, now: datetime, window: timedelta) -> dict:
    """Refuses ``subject``'s access tokens issued before now; entries older than ``window``
    concern only expired tokens and are dropped. Returns what was recorded (for the trail)."""
    not_before = math.ceil(now.timestamp())
    session.add(Revocation(subject=subject, not_before=not_before, created_at=now))
    await session.execute(delete(Revocation).where(Revocation.not_before < _horizon(now, window)))
    return {"subject": subject, "not_before": not_before}


async def revoke_account(session: AsyncSession, account_id: int, now: datetime, window: timedelta) -> dict:
    """Ends every sign-in of the account: refresh tokens at once, access tokens via the list."""
    ended = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return await revoke(session, f"account:{account_id}", now, window) | {"refresh_tokens": ended.rowcount}


async def recent(session: AsyncSession, now: datetime, window: timedelta) -> list[tuple[str, int]]:
    """``(subject, latest not_before)`` of every entry within ``window`` of now."""
    query = (
        select(Revocation.subject, func.max(Revocation.not_before))
        .where(Revocation.not_before >= _horizon(now, window))
        .group_by(Revocation.subject)
        .order_by(Revocation.subject)
    )
    return [(subject, not_before) for subject, not_before in (await session.execute(query)).all()]


def window(access_token_minutes: int) -> timedelta:
    return timedelta(minutes=access_token_minutes) + MARGIN


def _horizon(now: datetime, window: timedelta) -> int:
    return math.floor((now - window).timestamp())
