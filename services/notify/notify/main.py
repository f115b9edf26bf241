from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify.adapters import notify_adapters
from notify.calendar import on_year_loaded, on_year_removed
from notify.config import Settings
from notify.database import tables
from notify.deadlines.router import router as deadlines_router
from notify.deadlines.service import (
    track_hazard,
    track_hazards,
    track_missed_self_check,
    track_return,
    track_tip_off,
    track_tip_offs,
)
from notify.deliveries.models import Delivery
from notify.deliveries.router import router as deliveries_router
from notify.inbox.router import router as inbox_router
from notify.inbox.service import on_reporter_notified, on_reporters_notified
from notify.outgoing.delivery import deliver_forever as deliver_outgoing
from notify.outgoing.models import OutgoingMessage
from notify.outgoing.router import router as preferences_router
from notify.reminders import service as reminders
from notify.reminders.router import router as reminders_router
from notify.subscriptions.router import router as subscriptions_router
from notify.supervision.router import router as supervision_router
from notify.templates import service as templates
from notify.templates.router import router as templates_router
from notify.webhooks.delivery import deliver_forever as deliver_webhooks
from notify.webhooks.models import WebhookMessage
from notify.webhooks.router import router as webhooks_router
from qingling.app import create_service_app
from qingling.delivery import parked_count
from qingling.hazard_events import HazardChanged, ReturnChanged, SelfCheckMissed
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved
from qingling.outbox import backlog
from qingling.runtime import Runtime, Service
from qingling.sweeps import sweep
from qingling.tipoff_events import ReporterNotified, TipOffChanged


async def gauges(session: AsyncSession, runtime: Runtime) -> dict[str, tuple[str, Any]]:
    parked = await parked_count(session, WebhookMessage)
    counted = select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
    by_channel = [({"channel": c, "result": r}, n) for c, r, n in (await session.execute(counted)).all()]
    waiting, oldest = await backlog(session, OutgoingMessage)  # the same reading as the outbox's
    oldest_age = (runtime.clock.now() - oldest).total_seconds() if oldest else 0
    return {
        "qingling_webhook_parked": ("Webhook messages refused for good or out of attempts", parked),
        "qingling_notify_deliveries": ("Delivery log lines (attempts) by channel and result", by_channel),
        "qingling_outgoing_pending": ("SMS, WeChat and e-mail messages waiting to be sent (or held)", waiting),
        "qingling_outgoing_oldest_pending_seconds": ("Age of the oldest message waiting to be sent", oldest_age),
        "qingling_outgoing_parked": (
            "Outside-channel messages refused for good or out of attempts",
            await parked_count(session, OutgoingMessage),
        ),
    }


async def seed(session: AsyncSession, runtime: Runtime) -> None:
    """The built-in templates and the national reminder plans (domain.md §4), once."""
    now = runtime.clock.now()
    await templates.seed(session, now)
    await reminders.seed(session, now)


service = Service(
    name="notify",
    title="通知服务",
    description="期限提醒与逐级催办，通知渠道（站内信、webhook、微信、短信、邮件），送达记录。",
    package="notify",
    migrations=Path(__file__).parent.parent / "migrations",
    settings_class=Settings,
    tables=tables,
    routers=[
        deadlines_router,
        reminders_router,
        supervision_router,
        templates_router,
        deliveries_router,
        inbox_router,
        preferences_router,
        subscriptions_router,
        webhooks_router,
    ],
    event_handlers={
        CalendarYearLoaded: on_year_loaded,
        CalendarYearRemoved: on_year_removed,
        HazardChanged: track_hazard,
        ReturnChanged: track_return,
        SelfCheckMissed: track_missed_self_check,
        TipOffChanged: track_tip_off,
        ReporterNotified: on_reporter_notified,
    },
    # A bulk self-report's thousand, a busy intake's tip-offs: taken at once when they come together.
    batch_event_handlers={
        HazardChanged: track_hazards,
        TipOffChanged: track_tip_offs,
        ReporterNotified: on_reporters_notified,
    },
    workers=[sweep("send_due_reminders", reminders.send_due), deliver_webhooks, deliver_outgoing],
    adapters=notify_adapters,
    bootstrap=seed,
    gauges=gauges,
)


def create_app(settings: Settings | None = None, *, peer_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """``uvicorn notify.main:create_app --factory`` — settings from QL_NOTIFY_* variables."""
    return create_service_app(service, settings, peer_transport=peer_transport)
