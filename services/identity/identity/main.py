from pathlib import Path

import httpx
from fastapi import FastAPI

from identity.config import Settings
from identity.database import tables
from qingling.app import create_service_app
from qingling.runtime import Service

service = Service(
    name="identity",
    title="身份认证服务",
    description="账号与角色、API 客户端、OAuth2 令牌（JWT，JWKS 公钥发布）、微信小程序登录。",
    package="identity",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn identity.main:create_app --factory`` — settings from QL_IDENTITY_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
