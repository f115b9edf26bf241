"""The conversation with a reporter: handlers ask, the reporter answers or adds by receipt. The
reporter's words reach the handlers with anything identifying masked; the original is sealed
with the tip-off. Every message is on the tip-off's trail and published, so the reporter's inbox
and reminders follow it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.errors import Conflict, FieldError, ValidationFailed
from qingling.runtime import Runtime
from reports.conversation import schemas
from reports.conversation.models import TipOffMessage
from reports.media.models import TipOffMedia
from reports.tipoffs import service as tipoffs
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.models import TipOff
from reports.tipoffs.redaction import redact
from reports.tipoffs.schemas import ReporterView, Supplement


class TipOffClosed(Conflict):
    code, title = "tip-off-closed", "举报已办结，不能再补充材料"


class NotAQuestion(ValidationFailed):
    code, title = "not-a-question", "回答的不是办理人员对这件举报的询问"


async def ask(
    session: AsyncSession, runtime: Runtime, caller: Principal, tip_off_id: int, body: schemas.Question, now: datetime
) -> TipOffMessage:
    """A handler of the lead department asks the reporter (or tells them something)."""
    tip_off = await tipoffs.get(session, caller, tip_off_id, for_update=True)
    _require_open(tip_off)
    if not tipoffs.in_lead_department(caller, tip_off):
        raise tipoffs.LeadDepartmentOnly(f"这件举报由{tip_off.lead_department}主办")
    text = redact(body.text, await tipoffs.reporter_details(runtime, session, tip_off))
    message = await tipoffs.tell(session, tip_off, "question", text, now, author=caller.subject)
    tip_off.updated_at = now
    tipoffs.record_change(session, tip_off, "ask", caller, now, {"message_id": message.id, "text": text})
    return message


async def supplement(
    session: AsyncSession, runtime: Runtime, tip_off_id: int, body: Supplement, now: datetime
) -> ReporterView:
    """The reporter adds to their tip-off or answers a question: the handlers read it redacted,
    the original is sealed."""
    tip_off = await session.get(TipOff, tip_off_id, with_for_update=True)
    _require_open(tip_off)
    if body.in_reply_to is not None:
        question = await session.get(TipOffMessage, body.in_reply_to)
        if question is None or question.tip_off_id != tip_off.id or question.kind != "question":
            raise NotAQuestion(errors=[FieldError(location="body", field="/in_reply_to", message="没有这条询问")])
    media = await tipoffs.unattached_media(session, body.media)
    known = await tipoffs.reporter_details(runtime, session, tip_off)
    message = TipOffMessage(
        tip_off_id=tip_off.id,
        side="reporter",
        kind="answer" if body.in_reply_to is not None else "supplement",
        text=redact(body.text, known),
        sealed_original=runtime.adapters.sealer.seal(body.text, f"tip_off:{tip_off.id}"),
        in_reply_to=body.in_reply_to,
        at=now,
    )
    session.add(message)
    await session.flush()
    for item in media:
        item.tip_off_id, item.message_id, item.attached_at = tip_off.id, message.id, now
    tip_off.updated_at = now
    payload = {"message_id": message.id, "in_reply_to": body.in_reply_to, "media": len(media)}
    tipoffs.record_change(session, tip_off, message.kind, RECEIPT_HOLDER, now, payload)
    return await tipoffs.reporter_view(session, tip_off.id, now)


def _require_open(tip_off: TipOff) -> None:
    if tip_off.state in TIP_OFF_LIFECYCLE.final:
        state = TIP_OFF_LIFECYCLE.states[tip_off.state]
        raise TipOffClosed(f"举报{state}，如有新情况请重新举报")


async def conversation(session: AsyncSession, caller: Principal, tip_off_id: int) -> schemas.Conversation:
    tip_off = await tipoffs.get(session, caller, tip_off_id)
    query = select(TipOffMessage).where(TipOffMessage.tip_off_id == tip_off.id).order_by(TipOffMessage.id)
    messages = list((await session.execute(query)).scalars())
    attached = select(TipOffMedia.message_id, TipOffMedia.id).where(TipOffMedia.tip_off_id == tip_off.id)
    media: dict[int, list[int]] = {}
    for message_id, media_id in (await session.execute(attached.order_by(TipOffMedia.id))).all():
        media.setdefault(message_id, []).append(media_id)
    answered = {m.in_reply_to for m in messages if m.in_reply_to is not None}
    return schemas.Conversation(
        tip_off_id=tip_off.id,
        open_questions=sum(1 for m in messages if m.kind == "question" and m.id not in answered),
        entries=[
            schemas.ConversationEntry.model_validate({**m.model_dump(), "media": media.get(m.id, [])}) for m in messages
        ],
    )
