from pathlib import Path

import httpx
from fastapi import FastAPI

from qingling.app import create_service_app
from qingling.holidays import CalendarYearLoaded
from qingling.runtime import Service
from reports.calendar import on_year_loaded
from reports.config import Settings
from reports.database import tables

service = Service(
    name="reports",
    title="举报服务",
    description="群众举报：受理、回执码、举报人身份密封、分办、核查、反馈与奖励。",
    package="reports",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
    event_handlers={CalendarYearLoaded: on_year_loaded},
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn reports.main:create_app --factory`` — settings from QL_REPORTS_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
