"""Inboxes: what each recipient has been told, with read receipts. Fed by events; read by the
recipient themselves, or — for a receipt holder, who has no account — by the reports service on
their behalf once it has checked the receipt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notify.inbox import schemas
from notify.inbox.models import InboxEntry
from notify.outgoing import notices
from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, Role
from qingling.auth.scopes import ServiceScope
from qingling.bulk import insert_new
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
    await on_reporters_notified(session, [(data, envelope)])


async def on_reporters_notified(session: AsyncSession, events: list[tuple[ReporterNotified, EventEnvelope]]) -> None:
    """Each message into its receipt's inbox, all in one statement; a message already delivered
    under another event id is not written twice (its source is unique)."""
    rows = [
        dict(
            recipient=receipt_recipient(data.receipt_code),
            source=f"tip_off_message:{data.message_id}",
            item_type="tip_off",
            item_id=data.tip_off_id,
            kind=data.kind,
            title=REPORTER_TITLES.get(data.kind, "消息"),
            text=data.text,
            at=data.at,
            delivered_at=envelope.occurred_at,
            read_at=None,
            read_by=None,
        )
        for data, envelope in events
    ]
    written = await insert_new(session, InboxEntry, rows, ["source"])
    # By SMS too, where the reporter gave a phone — once, as the inbox has it once.
    notices.reporter_notices(session, [(d, e) for d, e in events if f"tip_off_message:{d.message_id}" in written])


def recipients_of(caller: Principal, recipient: str | None) -> list[str]:
    """The inboxes a caller reads: their own and their place's. A service reads a receipt
    holder's for them (the reports service, once it has checked the receipt)."""
    if recipient is not None and recipient != caller.subject:
        if (
            caller.has(Role.SERVICE)
            and ServiceScope.RECEIPT_INBOX in caller.scopes
            and recipient.startswith("receipt:")
        ):
            return [recipient]
        raise OwnInboxOnly()
    own = [caller.subject]
    if caller.enterprise_code and caller.has(*ENTERPRISE_ROLES):
        own.append(f"enterprise:{caller.enterprise_code}")
    if caller.region_code and caller.department and caller.has(Role.REGULATOR, Role.DEPARTMENT_LEADER):
        own.append(f"department:{caller.region_code}:{caller.department}")
    if caller.region_code and caller.has(Role.SAFETY_COMMITTEE):
        own.append(f"committee:{caller.region_code}")
    if caller.region_code and caller.has(Role.ADMIN):
        own.append(f"admins:{caller.region_code}")  # errors of the region's own making, e.g. a step nobody can get
    return own


async def page(session: AsyncSession, recipients: list[str], params: PageParams, *, unread_only: bool) -> schemas.Inbox:
    query = select(InboxEntry).where(InboxEntry.recipient.in_(recipients))
    if unread_only:
        query = query.where(InboxEntry.read_at.is_(None))
    items = await fetch_page(session, query, InboxEntry.id, params)
    full = len(items) == params.limit
    return schemas.Inbox(
        unread=await unread(session, recipients),
        items=[schemas.InboxItem.model_validate(item) for item in items],
        next_after=items[-1].id if full else None,
    )


async def unread(session: AsyncSession, recipients: list[str]) -> int:
    query = select(func.count()).where(InboxEntry.recipient.in_(recipients), InboxEntry.read_at.is_(None))
    return (await session.execute(query)).scalar_one()


async def mark_read(
    session: AsyncSession, recipients: list[str], reader: str, ids: list[int] | None, now: datetime
) -> int:
    """Marks messages read (the first reading is kept) and answers how many stay unread."""
    query = update(InboxEntry).where(InboxEntry.recipient.in_(recipients), InboxEntry.read_at.is_(None))
    if ids is not None:
        query = query.where(InboxEntry.id.in_(ids))
    await session.execute(query.values(read_at=now, read_by=reader))
    return await unread(session, recipients)
