"""Other services' events about hazards and returns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.hazard import service as hazards
from hazards.hazard.models import Hazard
from hazards.returns import service as returns
from hazards.returns.models import PeriodicReturn
from qingling.auth.principal import Principal
from qingling.events import EventEnvelope
from qingling.supervision_events import SupervisionRecorded


async def on_supervision_recorded(session: AsyncSession, data: SupervisionRecorded, envelope: EventEnvelope) -> None:
    """A 催办, 通报, 函告 or 约谈 naming hazards or returns goes on each one's trail (and out with
    its next picture, so an enterprise's systems hear of a 催办 by webhook). The state stays."""
    actor = Principal(subject=data.actor, name=data.issuer_name)
    action = f"supervision.{data.kind}.{data.action}"
    payload = {"act_id": data.act_id, "kind_title": data.kind_title, "number": data.number, "summary": data.summary}
    now = envelope.occurred_at
    for model, record, kind in (
        (Hazard, hazards.record_change, "hazard"),
        (PeriodicReturn, returns.record_change, "return"),
    ):
        ids = [item.item_id for item in data.items if item.item_type == kind]
        if not ids:
            continue
        query = select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update()
        for item in (await session.execute(query)).scalars():
            record(session, item, action, actor, max(now, item.updated_at), payload)
