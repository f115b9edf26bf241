from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.adapters import hazards_adapters
from hazards.calendar.models import HolidayArrangement
from hazards.calendar.router import router as calendar_router
from hazards.config import Settings
from hazards.database import tables
from hazards.demo import load_demo
from hazards.departments.router import router as departments_router
from hazards.directory.router import router as directory_router
from hazards.disclosure.router import router as disclosure_router
from hazards.documents.router import router as documents_router
from hazards.enterprises.router import router as enterprises_router
from hazards.evidence.router import router as evidence_router
from hazards.figures.router import router as figures_router
from hazards.hazard import service as hazard_service
from hazards.hazard.handlers import lock_named, on_supervision_recorded
from hazards.hazard.router import actions_router as hazard_actions_router
from hazards.hazard.router import router as hazards_router
from hazards.industries.router import router as industries_router
from hazards.ledgers.router import router as ledgers_router
from hazards.regions import service as regions
from hazards.regions.router import router as regions_router
from hazards.reinspections.router import hazard_router as hazard_reinspections_router
from hazards.reinspections.router import router as reinspections_router
from hazards.returns import service as returns
from hazards.returns.router import actions_router as return_actions_router
from hazards.returns.router import rankings_router
from hazards.returns.router import router as returns_router
from hazards.selfchecks.router import router as selfchecks_router
from hazards.selfchecks.service import report_missed
from hazards.standards.router import router as standards_router
from hazards.vocabulary.router import router as vocabulary_router
from qingling.app import create_service_app
from qingling.holidays import working_calendar
from qingling.runtime import Runtime, Service
from qingling.supervision_events import SupervisionRecorded
from qingling.sweeps import sweep
from qingling.tipoff_events import TipOffVerified


async def gauges(session: AsyncSession, runtime: Runtime) -> dict[str, tuple[str, float]]:
    calendar = await working_calendar(session, HolidayArrangement)
    return await hazard_service.gauges(session, runtime.clock.now(), calendar)


async def bootstrap(session: AsyncSession, runtime: Runtime) -> None:
    """The region register, from the data file shipped with the service."""
    await regions.load_if_empty(session)


service = Service(
    name="hazards",
    title="隐患服务",
    description="行政区划、监管部门、企业名录，事故隐患全生命周期：挂牌督办、整改、复核与销号，统计。",
    package="hazards",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
    routers=[
        regions_router,
        industries_router,
        vocabulary_router,
        standards_router,
        departments_router,
        enterprises_router,
        calendar_router,
        hazards_router,
        hazard_actions_router,
        hazard_reinspections_router,
        reinspections_router,
        evidence_router,
        selfchecks_router,
        figures_router,
        ledgers_router,
        returns_router,
        return_actions_router,
        rankings_router,
        disclosure_router,
        documents_router,
        directory_router,
    ],
    event_handlers={TipOffVerified: hazard_service.on_tip_off_verified, SupervisionRecorded: on_supervision_recorded},
    batch_event_locks=lock_named,  # a batch's events lock what they name in this service's order
    workers=[
        sweep("report_missed_self_checks", report_missed, every=3600),  # reports are idempotent
        sweep("open_due_returns", returns.open_due_returns),  # idempotent too; soon after a period ends
    ],
    adapters=hazards_adapters,
    bootstrap=bootstrap,
    gauges=gauges,
    demo=load_demo,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn hazards.main:create_app --factory`` — settings from QL_HAZARDS_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
