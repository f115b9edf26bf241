"""Signing keys: created, rotated with an overlap, published as a JWKS."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.audit import service as trail
from identity.keys.models import SigningKey
from qingling.auth import jwt
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.errors import Forbidden
from qingling.regions import Level


class KeyRotationNotAllowed(Forbidden):
    code, title = "key-rotation-not-allowed", "只有省级系统管理员可以轮换签名密钥"


def _create(cipher: Fernet, now: datetime) -> SigningKey:
    pair = jwt.generate_key_pair()
    return SigningKey(
        kid=pair.kid,
        algorithm=jwt.ALGORITHM,
        private_key_encrypted=cipher.encrypt(pair.private_pem.encode()).decode(),
        public_jwk=pair.public_jwk,
        created_at=now,
    )


async def ensure_signing_key(session: AsyncSession, cipher: Fernet, now: datetime) -> None:
    if (await session.execute(select(SigningKey.kid).where(SigningKey.retire_at.is_(None)).limit(1))).first() is None:
        session.add(_create(cipher, now))


async def current(session: AsyncSession, cipher: Fernet) -> tuple[str, str]:
    """``(kid, private key PEM)`` of the key that signs now."""
    query = select(SigningKey).where(SigningKey.retire_at.is_(None)).order_by(SigningKey.created_at.desc())
    key = (await session.execute(query.limit(1))).scalar_one()
    return key.kid, cipher.decrypt(key.private_key_encrypted.encode()).decode()


async def published(session: AsyncSession, now: datetime) -> list[SigningKey]:
    query = select(SigningKey).where(or_(SigningKey.retire_at.is_(None), SigningKey.retire_at > now))
    return list((await session.execute(query.order_by(SigningKey.created_at))).scalars())


async def rotate(
    session: AsyncSession,
    caller: Principal,
    cipher: Fernet,
    now: datetime,
    token_lifetime: timedelta,
    reason: str | None = None,
) -> SigningKey:
    """A new key signs from now on; the old ones stay published as long as a token they signed
    can live, then drop out of the JWKS."""
    if not (caller.has(Role.ADMIN) and caller.level is Level.PROVINCE):
        raise KeyRotationNotAllowed()
    overlap = token_lifetime + timedelta(seconds=jwt.LEEWAY_SECONDS)
    retired = []
    for key in (await session.execute(select(SigningKey).where(SigningKey.retire_at.is_(None)))).scalars():
        key.retire_at = now + overlap
        retired.append(key.kid)
    key = _create(cipher, now)
    session.add(key)
    change = {"kid": key.kid, "retired": sorted(retired), "retire_at": (now + overlap).isoformat()}
    await trail.record(
        session,
        caller,
        now,
        action="key.rotated",
        target=f"key:{key.kid}",
        region_code=caller.region_code,  # seen by the rotating admin's level and those above it
        enterprise_code=None,
        change=change,
        reason=reason,
    )
    return key
