"""The deadline board: every open deadline in the caller's jurisdiction, fed by the owners' events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from notify.deadlines.models import TrackedDeadline
from notify.deadlines.schemas import DeadlineRead
from notify.outgoing import notices
from notify.reminders import service as reminders
from notify.webhooks import service as webhooks
from qingling.auth.principal import Principal
from qingling.auth.scope import visible_rows
from qingling.bulk import insert_new
from qingling.calendar import lateness
from qingling.events import EventEnvelope
from qingling.hazard_events import HazardChanged, ReturnChanged, SelfCheckMissed
from qingling.pagination import PageParams, fetch_page
from qingling.tipoff_events import TipOffChanged

# A board row's columns that have defaults, as a new row gets them (for rows written in bulk).
BLANK_ROW: dict[str, Any] = {
    name: field.get_default(call_default_factory=True)
    for name, field in TrackedDeadline.model_fields.items()
    if name != "id" and not field.is_required()
}


async def track_hazard(session: AsyncSession, data: HazardChanged, envelope: EventEnvelope) -> None:
    await track_hazards(session, [(data, envelope)])


async def track_hazards(session: AsyncSession, events: list[tuple[HazardChanged, EventEnvelope]]) -> None:
    """Hazards' pictures onto the board, their reminders planned and the enterprises' systems
    told — for a bulk self-report's thousand at once: the board rows read in one query, the new
    ones written with their picture in one statement, the reminders and the enterprises' webhooks
    looked up once."""
    pictures = [(data.hazard_id, _hazard_picture(data, envelope)) for data, envelope in events]
    taken = await _track(session, "hazard", pictures)
    await reminders.schedule_many(session, [(item, envelope.occurred_at) for item, (_, envelope) in
                                            zip(taken, events, strict=True) if item is not None])  # fmt: skip
    messages = [(data.enterprise_code, data.model_dump(mode="json"), envelope.occurred_at, "hazard", data.hazard_id)
                for item, (data, envelope) in zip(taken, events, strict=True) if item is not None]  # fmt: skip
    await webhooks.enqueue_many(session, "hazard.changed", messages)
    await notices.hazard_notices(session, [(item, data, envelope) for item, (data, envelope) in
                                           zip(taken, events, strict=True)])  # fmt: skip


def _hazard_picture(data: HazardChanged, envelope: EventEnvelope) -> dict[str, Any]:
    """The board row's columns as the event pictures the hazard."""
    fields = data.model_dump(
        include={
            "title", "state", "grade", "region_code", "enterprise_code", "lister_region_code", "deadline_at",
            "deadline_provisional", "step", "step_due_at", "production_suspended", "closed",
        }
    )  # fmt: skip
    supervision = data.supervising_department or {}
    return fields | {
        "supervising_region_code": supervision.get("region_code"),
        "supervising_kind": supervision.get("kind"),
        "version": data.seq,
        "last_event_at": envelope.occurred_at,
        "updated_at": envelope.occurred_at,
    }


async def track_tip_off(session: AsyncSession, data: TipOffChanged, envelope: EventEnvelope) -> None:
    await track_tip_offs(session, [(data, envelope)])


async def track_tip_offs(session: AsyncSession, events: list[tuple[TipOffChanged, EventEnvelope]]) -> None:
    """Tip-offs' current time limits (受理决定, 核查, 答复) — a busy intake's at once."""
    pictures = [(data.tip_off_id, _tip_off_picture(data, envelope)) for data, envelope in events]
    taken = await _track(session, "tip_off", pictures)
    await reminders.schedule_many(session, [(item, envelope.occurred_at) for item, (_, envelope) in
                                            zip(taken, events, strict=True) if item is not None])  # fmt: skip
    await notices.tip_off_tasks(session, [(item, data, envelope) for item, (data, envelope) in
                                          zip(taken, events, strict=True) if item is not None])  # fmt: skip


def _tip_off_picture(data: TipOffChanged, envelope: EventEnvelope) -> dict[str, Any]:
    """A tip-off's board row. It names no enterprise: the reported unit must never learn of a
    tip-off from the board; its title is never the receipt code (the board is for every handler)."""
    return {
        "title": f"举报（编号 {data.tip_off_id}）", "state": data.state, "grade": "", "enterprise_code": "",
        "region_code": data.region_code, "lister_region_code": data.lead_region_code,
        "deadline_at": data.step_due_at, "step_due_at": data.step_due_at,
        "deadline_provisional": data.step_provisional,  # its reminders are provisional too
        "step": data.step, "closed": data.closed,
        "supervising_region_code": data.lead_region_code, "supervising_kind": data.lead_kind,  # the handler
        "version": data.seq, "last_event_at": envelope.occurred_at, "updated_at": envelope.occurred_at,
    }  # fmt: skip


async def _track(
    session: AsyncSession, item_type: str, pictures: list[tuple[int, dict[str, Any]]]
) -> list[TrackedDeadline | None]:
    """Each item's board row as pictured (item id → its columns, ``version`` the event's
    sequence), unless the row already shows a later picture — events may arrive out of order.
    One event per item (the inbox hands a batch handler at most one per subject). Returns each
    event's row, or None where the event was older than the row."""
    items, created = await board_rows(session, item_type, dict(pictures))
    taken: list[TrackedDeadline | None] = []
    for item_id, picture in pictures:
        item = items[item_id]
        if item_id not in created:
            if item.version >= picture["version"]:
                taken.append(None)  # a late, older picture
                continue
            for name, value in picture.items():
                setattr(item, name, value)
        taken.append(item)
    return taken


async def track_return(session: AsyncSession, data: ReturnChanged, envelope: EventEnvelope) -> None:
    """A department's return (周报、月报、季报、年报) until it is submitted: its limit is the
    deadline, the department is reminded (``supervising``) and 通报 goes through the 安委办 it
    reports to (``lister``). Submitted or received: closed; sent back: open again, a new limit."""
    item = await board_row(session, "return", data.return_id, envelope.occurred_at)
    if item.version >= data.seq:
        return
    item.title, item.state, item.region_code = data.title[:100], data.state, data.department_region_code
    item.lister_region_code = data.committee_region_code
    item.supervising_region_code, item.supervising_kind = data.department_region_code, data.department_kind
    item.deadline_at = item.step_due_at = data.step_due_at
    item.deadline_provisional = data.step_provisional
    item.step, item.closed = data.step, data.closed
    item.version = data.seq
    item.last_event_at = item.updated_at = envelope.occurred_at
    await reminders.schedule(session, item, envelope.occurred_at)


async def board_row(session: AsyncSession, item_type: str, item_id: int, at: datetime) -> TrackedDeadline:
    """The item's row, locked, created empty (version 0) on first sight. Two events of a new item
    can be delivered at the same moment: the second insert fails on the unique key and reads the
    first one's row, and the row lock puts the two updates one after the other."""
    query = (
        select(TrackedDeadline)
        .where(TrackedDeadline.item_type == item_type, TrackedDeadline.item_id == item_id)
        .with_for_update()
    )
    if (item := (await session.execute(query)).scalar_one_or_none()) is not None:
        return item
    blank = {"title": "", "state": "", "grade": "", "region_code": "", "enterprise_code": ""}
    try:
        async with session.begin_nested():
            session.add(TrackedDeadline(item_type=item_type, item_id=item_id, last_event_at=at, updated_at=at, **blank))
    except IntegrityError:
        pass  # created by the concurrent delivery
    return (await session.execute(query)).scalar_one()


async def board_rows(
    session: AsyncSession, item_type: str, pictures: dict[int, dict[str, Any]]
) -> tuple[dict[int, TrackedDeadline], set[int]]:
    """``board_row`` for many items: the rows there read, locked, in one query; the missing ones
    written at once with their picture (item id → its columns) in one statement — a concurrent
    delivery's are left to it — and read the same way. Returns the rows, and which were written
    now (already as pictured)."""

    async def read(ids: list[int]) -> dict[int, TrackedDeadline]:
        found = {}
        for start in range(0, len(ids), 900):  # under SQLite's limit on bound parameters
            query = select(TrackedDeadline).where(
                TrackedDeadline.item_type == item_type, TrackedDeadline.item_id.in_(ids[start : start + 900])
            )
            found |= {item.item_id: item for item in (await session.execute(query.with_for_update())).scalars()}
        return found

    items = await read(sorted(pictures))
    if not (missing := sorted(set(pictures) - set(items))):
        return items, set()
    rows = [BLANK_ROW | pictures[item_id] | {"item_type": item_type, "item_id": item_id} for item_id in missing]
    written = await insert_new(session, TrackedDeadline, rows, ["item_type", "item_id"])
    items |= await read(missing)
    return items, {int(item_id) for _, item_id in written}


async def track_missed_self_check(session: AsyncSession, data: SelfCheckMissed, envelope: EventEnvelope) -> None:
    """A period that passed without the principal's check goes on the board as an overdue item."""
    session.add(
        TrackedDeadline(
            item_type="self_check",
            item_id=data.notice_id,
            title=f"{data.period} 未记录主要负责人带队的重大隐患排查",
            state="missed",
            grade="",
            region_code=data.region_code,
            enterprise_code=data.enterprise_code,
            deadline_at=data.period_ended_at,
            last_event_at=envelope.occurred_at,
            updated_at=envelope.occurred_at,
        )
    )


async def board(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    now: datetime,
    *,
    overdue: bool | None = None,
    region_prefix: str | None = None,
) -> list[TrackedDeadline]:
    query = select(TrackedDeadline).where(
        ~TrackedDeadline.closed, visible_rows(caller, TrackedDeadline.region_code, TrackedDeadline.enterprise_code)
    )
    if region_prefix:
        query = query.where(TrackedDeadline.region_code.startswith(region_prefix))
    if overdue is not None:
        late = TrackedDeadline.deadline_at < now.replace(microsecond=0)
        query = query.where(late if overdue else ~late | TrackedDeadline.deadline_at.is_(None))
    return await fetch_page(session, query, TrackedDeadline.id, params)


def to_read(item: TrackedDeadline, now: datetime) -> DeadlineRead:
    return DeadlineRead.model_validate({**item.model_dump(), **lateness(now, item.deadline_at, item.step_due_at)})
