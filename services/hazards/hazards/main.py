from pathlib import Path

import httpx
from fastapi import FastAPI

from hazards.config import Settings
from hazards.database import tables
from qingling.app import create_service_app
from qingling.runtime import Service

service = Service(
    name="hazards",
    title="隐患服务",
    description="行政区划、监管部门、企业名录，事故隐患全生命周期：挂牌督办、整改、复核与销号，统计。",
    package="hazards",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn hazards.main:create_app --factory`` — settings from QL_HAZARDS_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
