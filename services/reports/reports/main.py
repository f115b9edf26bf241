from pathlib import Path

import httpx
from fastapi import FastAPI

from qingling.app import create_service_app
from qingling.hazard_events import HazardChanged
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved
from qingling.runtime import Service
from qingling.supervision_events import SupervisionRecorded
from qingling.sweeps import sweep
from reports.adapters import reports_adapters
from reports.config import Settings
from reports.conversation.router import router as conversation_router
from reports.database import tables
from reports.duplicates.router import router as duplicates_router
from reports.figures.router import router as figures_router
from reports.media import service as media
from reports.media.router import router as media_router
from reports.receipts.router import router as receipts_router
from reports.rewards import service as rewards
from reports.rewards.router import actions_router as reward_actions_router
from reports.rewards.router import router as rewards_router
from reports.tipoffs import service as tipoffs
from reports.tipoffs.handlers import on_supervision_recorded
from reports.tipoffs.router import actions_router as tip_off_actions_router
from reports.tipoffs.router import router as tip_offs_router
from reports.vocabulary.router import router as vocabulary_router

service = Service(
    name="reports",
    title="举报服务",
    description="群众举报：受理、回执码、举报人身份密封、分办、核查、反馈与奖励。",
    package="reports",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
    routers=[
        tip_offs_router,
        vocabulary_router,
        tip_off_actions_router,
        duplicates_router,
        conversation_router,
        receipts_router,
        media_router,
        rewards_router,
        reward_actions_router,
        figures_router,
    ],
    event_handlers={
        CalendarYearLoaded: tipoffs.on_year_loaded,
        CalendarYearRemoved: tipoffs.on_year_removed,
        HazardChanged: tipoffs.on_hazard_changed,
        SupervisionRecorded: on_supervision_recorded,
    },
    workers=[
        sweep("route_pending_tip_offs", tipoffs.route_pending),
        sweep("lapse_unclaimed_rewards", rewards.lapse_unclaimed),
        sweep("purge_unattached_media", media.purge_unattached),
    ],
    adapters=reports_adapters,
    bootstrap=rewards.seed_rules,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn reports.main:create_app --factory`` — settings from QL_REPORTS_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
