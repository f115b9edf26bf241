"""Other services' events about hazards and returns."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.hazard import service as hazards
from hazards.hazard.models import Hazard
from hazards.returns import service as returns
from hazards.returns.models import PeriodicReturn
from qingling.auth.principal import Principal
from qingling.events import EventData, EventEnvelope
from qingling.supervision_events import SupervisionRecorded

# What a 督办 event may name, each kind with the trail it goes on — in the order this service locks them.
NAMED = ((Hazard, "hazard", hazards.record_change), (PeriodicReturn, "return", returns.record_change))


async def lock_named(session: AsyncSession, events: Sequence[EventData]) -> None:
    """Locks the hazards, then the returns, that a batch's 督办 events name — each by id, the order
    in which a recount after a calendar change (``calendar.service``) locks every open one. Taken
    event by event, a batch would lock them crosswise to such a recount, and one would deadlock."""
    named = [item for event in events if isinstance(event, SupervisionRecorded) for item in event.items]
    for model, kind, _ in NAMED:
        if ids := {item.item_id for item in named if item.item_type == kind}:
            await session.execute(select(model.id).where(model.id.in_(ids)).order_by(model.id).with_for_update())


async def on_supervision_recorded(session: AsyncSession, data: SupervisionRecorded, envelope: EventEnvelope) -> None:
    """A 催办, 通报, 函告 or 约谈 naming hazards or returns goes on each one's trail (and out with
    its next picture, so an enterprise's systems hear of a 催办 by webhook). The state stays."""
    actor = Principal(subject=data.actor, name=data.issuer_name)
    action = f"supervision.{data.kind}.{data.action}"
    payload = {"act_id": data.act_id, "kind_title": data.kind_title, "number": data.number, "summary": data.summary}
    now = envelope.occurred_at
    for model, kind, record in NAMED:
        ids = [item.item_id for item in data.items if item.item_type == kind]
        if not ids:
            continue
        query = select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update()
        for item in (await session.execute(query)).scalars():
            record(session, item, action, actor, max(now, item.updated_at), payload)
