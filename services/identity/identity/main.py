from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.router import router as accounts_router
from identity.adapters import identity_adapters
from identity.audit.router import router as audit_router
from identity.clients import service as client_service
from identity.clients.router import router as clients_router
from identity.config import Settings
from identity.database import tables
from identity.demo import load_demo
from identity.directory.router import router as directory_router
from identity.keys import service as key_service
from identity.keys.router import router as keys_router
from identity.revocations.router import router as revocations_router
from identity.tokens.router import router as tokens_router
from qingling.app import create_service_app
from qingling.runtime import Runtime, Service


async def bootstrap(session: AsyncSession, runtime: Runtime) -> None:
    """A signing key, and the services' own clients with the secrets from settings."""
    now = runtime.clock.now()
    await key_service.ensure_signing_key(session, runtime.adapters.key_cipher, now)
    secrets = {name: secret.get_secret_value() for name, secret in runtime.settings.service_client_secrets.items()}
    await client_service.sync_service_clients(session, secrets, now)


service = Service(
    name="identity",
    title="身份认证服务",
    description="账号与角色、API 客户端、OAuth2 令牌（JWT，JWKS 公钥发布）、微信小程序登录。",
    package="identity",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
    routers=[
        tokens_router,
        keys_router,
        accounts_router,
        clients_router,
        audit_router,
        revocations_router,
        directory_router,
    ],
    adapters=identity_adapters,
    bootstrap=bootstrap,
    demo=load_demo,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn identity.main:create_app --factory`` — settings from QL_IDENTITY_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
