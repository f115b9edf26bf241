"""Other services' events about tip-offs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import Principal
from qingling.events import EventEnvelope
from qingling.supervision_events import SupervisionRecorded
from reports.tipoffs import service as tipoffs
from reports.tipoffs.models import TipOff


async def on_supervision_recorded(session: AsyncSession, data: SupervisionRecorded, envelope: EventEnvelope) -> None:
    """A 催办 (or other 督办 act) naming tip-offs goes on each one's trail. It was sent to the
    handling department only; nothing of it reaches the reporter or the reported unit."""
    ids = [item.item_id for item in data.items if item.item_type == "tip_off"]
    if not ids:
        return
    actor = Principal(subject=data.actor, name=data.issuer_name)
    payload = {"act_id": data.act_id, "kind_title": data.kind_title, "number": data.number, "summary": data.summary}
    query = select(TipOff).where(TipOff.id.in_(ids)).order_by(TipOff.id).with_for_update()
    for tip_off in (await session.execute(query)).scalars():
        at = max(envelope.occurred_at, tip_off.updated_at)
        tipoffs.record_change(session, tip_off, f"supervision.{data.kind}.{data.action}", actor, at, payload)
