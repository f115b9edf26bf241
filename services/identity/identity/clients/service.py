"""API clients: enterprise systems (client credentials), and the services' own clients."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.audit import service as trail
from identity.clients.models import ApiClient
from identity.clients.schemas import ClientCreate, ClientUpdate
from identity.permissions import check_grant, enterprise_region, may_manage, scope_filter
from identity.register import EnterpriseRegister
from identity.revocations import service as revocations
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scopes import service_scopes
from qingling.errors import NotFound, Unauthorized
from qingling.pagination import PageParams, fetch_page


class ClientNotFound(NotFound):
    code, title = "client-not-found", "API 客户端不存在或不在您的管辖范围内"


class InvalidClient(Unauthorized):
    code, title = "invalid-client", "客户端 ID 或密钥错误，或客户端已停用"


def new_secret() -> str:
    return f"qlcs_{secrets.token_urlsafe(32)}"


def _digest(secret: str) -> str:
    # Secrets are long random strings: a fast keyless hash is enough, no password KDF needed.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create(
    session: AsyncSession, caller: Principal, data: ClientCreate, register: EnterpriseRegister, now: datetime
) -> tuple[ApiClient, str]:
    """A client for a registered enterprise in the caller's jurisdiction, placed where the
    enterprise is registered."""
    roles = {Role.ENTERPRISE_CLIENT}
    region_code = await enterprise_region(caller, register, data.enterprise_code, data.region_code)
    check_grant(caller, roles, region_code=region_code, department=None, enterprise_code=data.enterprise_code)
    secret = new_secret()
    client = ApiClient(
        client_id=f"ent-{data.enterprise_code.lower()}-{secrets.token_hex(3)}",
        name=data.name,
        secret_hash=_digest(secret),
        roles=sorted(roles),
        scopes=sorted(set(data.scopes)),
        region_code=region_code,
        enterprise_code=data.enterprise_code,
        created_at=now,
        updated_at=now,
        created_by=caller.subject,
    )
    session.add(client)
    await session.flush()
    created = {"client_id": client.client_id, "name": client.name, "scopes": client.scopes, "region_code": region_code}
    await trail.record_about(session, caller, now, client, "client.created", created, data.reason)
    return client, secret


async def page(session: AsyncSession, caller: Principal, params: PageParams) -> list[ApiClient]:
    query = select(ApiClient).where(  # enterprise clients only: the services' own are not administered here
        scope_filter(caller, ApiClient.region_code, ApiClient.enterprise_code), ApiClient.enterprise_code.is_not(None)
    )
    return await fetch_page(session, query, ApiClient.id, params)


async def get(session: AsyncSession, caller: Principal, client_pk: int) -> ApiClient:
    client = await session.get(ApiClient, client_pk)
    if (
        client is None
        or client.enterprise_code is None
        or not may_manage(caller, client.region_code, client.enterprise_code)
    ):
        raise ClientNotFound()
    return client


async def update(
    session: AsyncSession, caller: Principal, client_pk: int, changes: ClientUpdate, window: timedelta, now: datetime
) -> ApiClient:
    """Renamed, narrowed or disabled; narrowing or disabling also ends the tokens issued so far."""
    client = await get(session, caller, client_pk)
    values = changes.model_dump(exclude_unset=True, exclude={"reason"})
    if "scopes" in values:
        values["scopes"] = sorted(set(values["scopes"]))
    diff = {
        field: {"before": getattr(client, field), "after": value}
        for field, value in values.items()
        if getattr(client, field) != value
    }
    for field in diff:
        setattr(client, field, values[field])
    client.updated_at = now
    change: dict = {"fields": diff}
    if "scopes" in diff or diff.get("disabled", {}).get("after") is True:
        change["revoked"] = await revocations.revoke(session, client.principal().subject, now, window)
    if diff:
        await trail.record_about(session, caller, now, client, "client.updated", change, changes.reason)
    return client


async def rotate_secret(
    session: AsyncSession,
    caller: Principal,
    client_pk: int,
    now: datetime,
    overlap: timedelta,
    reason: str | None = None,
) -> tuple[ApiClient, str]:
    """A new secret; the current one stays valid for ``overlap`` (zero: revoked at once)."""
    client = await get(session, caller, client_pk)
    secret = new_secret()
    client.previous_secret_hash = client.secret_hash if overlap > timedelta(0) else None
    client.previous_secret_expires_at = now + overlap if overlap > timedelta(0) else None
    client.secret_hash = _digest(secret)
    client.updated_at = now
    previous_until = client.previous_secret_expires_at.isoformat() if client.previous_secret_expires_at else None
    change = {"previous_secret_valid_until": previous_until}
    await trail.record_about(session, caller, now, client, "client.secret_rotated", change, reason)
    return client, secret


async def authenticate(session: AsyncSession, client_id: str, secret: str, now: datetime) -> ApiClient:
    client = (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one_or_none()
    if client is None or client.disabled:
        raise InvalidClient()
    digest = _digest(secret)
    if hmac.compare_digest(digest, client.secret_hash):
        return client
    previous_live = client.previous_secret_expires_at is not None and client.previous_secret_expires_at > now
    if previous_live and hmac.compare_digest(digest, client.previous_secret_hash or ""):
        return client
    raise InvalidClient()


async def sync_service_clients(session: AsyncSession, secrets_by_service: dict[str, str], now: datetime) -> None:
    """Each service signs in as ``service:<name>`` with the secret from settings, and holds only
    the scopes its calls to the others need (``service_scopes``)."""
    for name, secret in secrets_by_service.items():
        client_id = f"service:{name}"
        client = (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one_or_none()
        if client is None:
            client = ApiClient(
                client_id=client_id,
                name=f"内部服务 {name}",
                secret_hash="",
                roles=[Role.SERVICE],
                scopes=[],
                created_at=now,
                updated_at=now,
            )
            session.add(client)
        client.secret_hash, client.disabled, client.updated_at = _digest(secret), False, now
        client.scopes = sorted(service_scopes(name))
