"""Inboxes: what each recipient has been told, with read receipts. Fed by events; read by the
recipient themselves, or — for a receipt holder, who has no account — by the reports service on
their behalf once it has checked the receipt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from notify.inbox import schemas
from notify.inbox.models import InboxEntry
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.errors import Forbidden
from qingling.events import EventEnvelope
from qingling.pagination import PageParams, fetch_page
from qingling.tipoff_events import ReporterNotified

REPORTER_TITLES = {"notice": "办理进展", "reply": "答复", "question": "办理人员询问", "reward": "举报奖励"}


class OwnInboxOnly(Forbidden):
    code, title = "own-inbox-only", "只能查看自己的收件箱"


def receipt_recipient(receipt_code: str) -> str:
    return f"receipt:{receipt_code}"


async def on_reporter_notified(session: AsyncSession, data: ReporterNotified, envelope: EventEnvelope) -> None:
    message = InboxEntry(
        recipient=receipt_recipient(data.receipt_code),
        source=f"tip_off_message:{data.message_id}",
        item_type="tip_off",
        item_id=data.tip_off_id,
        kind=data.kind,
        title=REPORTER_TITLES.get(data.kind, "消息"),
        text=data.text,
        at=data.at,
        delivered_at=envelope.occurred_at,
    )
    try:
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:
        pass  # already delivered under another event id: once only


def recipient_of(caller: Principal, recipient: str | None) -> str:
    """Everyone reads their own inbox; a service reads a receipt holder's for them."""
    if recipient is None or recipient == caller.subject:
        return caller.subject
    if caller.has(Role.SERVICE) and recipient.startswith("receipt:"):
        return recipient
    raise OwnInboxOnly()


async def page(session: AsyncSession, recipient: str, params: PageParams, *, unread_only: bool) -> schemas.Inbox:
    query = select(InboxEntry).where(InboxEntry.recipient == recipient)
    if unread_only:
        query = query.where(InboxEntry.read_at.is_(None))
    items = await fetch_page(session, query, InboxEntry.id, params)
    full = len(items) == params.limit
    return schemas.Inbox(
        unread=await unread(session, recipient),
        items=[schemas.InboxItem.model_validate(item) for item in items],
        next_after=items[-1].id if full else None,
    )


async def unread(session: AsyncSession, recipient: str) -> int:
    query = select(func.count()).where(InboxEntry.recipient == recipient, InboxEntry.read_at.is_(None))
    return (await session.execute(query)).scalar_one()


async def mark_read(session: AsyncSession, recipient: str, ids: list[int] | None, now: datetime) -> int:
    """Marks messages read (the first reading is kept) and answers how many stay unread."""
    query = update(InboxEntry).where(InboxEntry.recipient == recipient, InboxEntry.read_at.is_(None))
    if ids is not None:
        query = query.where(InboxEntry.id.in_(ids))
    await session.execute(query.values(read_at=now))
    return await unread(session, recipient)
