"""Sending, and the delivery log that proves it. Recipients are addressed by their place, as the
tokens of the people who read them are: an enterprise's inbox ("enterprise:<credit code>") is
read by its principal, controller and safety staff; a department's ("department:<region>:<kind>")
by its staff; an 安委办's ("committee:<region>") by the committee's staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notify import regional
from notify.deadlines.models import TrackedDeadline
from notify.deliveries.models import Delivery
from notify.inbox.models import InboxEntry
from notify.outgoing import service as outgoing
from notify.reminders.models import Reminder
from notify.templates import service as templates
from notify.templates.models import MessageTemplate
from notify.webhooks import service as webhooks
from notify.webhooks.models import WebhookEndpoint, WebhookMessage
from qingling.auth.principal import Principal
from qingling.auth.scope import can_see
from qingling.bulk import insert_new, insert_rows, reserve_ids
from qingling.clock import SHANGHAI
from qingling.delivery import ring_on_commit
from qingling.errors import NotFound
from qingling.exports import Column, Kind, Table
from qingling.regions import parent


class ItemNotFound(NotFound):
    code, title = "item-not-found", "没有这个事项，或不在您的管辖范围内"


def recipients(item: TrackedDeadline, audience: list[str]) -> list[str]:
    lister = item.lister_region_code
    above = parent(lister) if lister else None
    addresses = {
        "enterprise": f"enterprise:{item.enterprise_code}" if item.enterprise_code else None,
        "supervising": f"department:{item.supervising_region_code}:{item.supervising_kind}"
        if item.supervising_region_code
        else None,
        "lister": f"committee:{lister}" if lister else None,
        "above_lister": f"committee:{above}" if above else None,
    }
    return list(dict.fromkeys(address for who in audience if (address := addresses.get(who))))


NOBODY = "没有收件人：事项未载明督办部门、挂牌机关或企业，该环节无人可送，已报本地区系统管理员和安委办"
AUDIENCE_TITLES = {"enterprise": "企业", "supervising": "督办部门", "lister": "挂牌机关安委办",
                   "above_lister": "挂牌机关上一级安委办"}  # fmt: skip


def responsible_inboxes(item: TrackedDeadline) -> list[str]:
    """Who answers for a step nobody could be told of: the item's county's admins and 安委办."""
    county = (item.region_code or "")[:6]
    return [f"admins:{county}", f"committee:{county}"] if county else []


async def into_inboxes(session: AsyncSession, told: list[tuple[dict[str, Any], dict[str, Any]]]) -> set[str]:
    """Writes inbox messages, each with its line in the delivery log naming the message's id (the
    ids taken before the rows are written): a statement per table, however many. A message whose
    ``source`` is already there (told under another delivery of the same event) is not written
    again, nor its line. Answers the sources written."""
    once: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for entry, line in told:  # a source twice in one batch: its first message and line
        once.setdefault(entry["source"], (entry, line))
    told = list(once.values())
    if not told:
        return set()
    ids = await reserve_ids(session, InboxEntry, len(told))
    entries = [entry | {"id": entry_id} for (entry, _), entry_id in zip(told, ids, strict=True)]
    written = await insert_new(session, InboxEntry, entries, ["source"])
    lines = [
        line | {"provider_message_id": str(entry["id"])}
        for entry, (_, line) in zip(entries, told, strict=True)
        if entry["source"] in written
    ]
    await insert_rows(session, Delivery, lines)
    return written


@dataclass
class Sending:
    """One sweep pass's sending: what it looks up once (the wording for a template and place, an
    enterprise's subscribed systems) and the messages it writes, flushed together at the end —
    a wave of due reminders costs a few statements per batch, not several per reminder."""

    wordings: dict[str, list[MessageTemplate]] = field(default_factory=dict)  # every version, by key
    systems: dict[str, list[WebhookEndpoint]] = field(default_factory=dict)
    # Each inbox message and its line in the delivery log, as columns: a wave of ten thousand
    # reminders writes tens of thousands, which as ORM objects cost more than the sending.
    inbox: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # to the enterprises' subscribed systems

    async def wording(self, session: AsyncSession, key: str, region_code: str) -> MessageTemplate:
        if key not in self.wordings:  # a template's versions are read once a pass, whatever the places
            self.wordings[key] = await templates.every_version(session, key)
        if (template := regional.pick(self.wordings[key], region_code)) is None:
            raise templates.TemplateNotFound(f"没有模板 {key}")
        return template

    async def subscribed(self, session: AsyncSession, enterprise_code: str) -> list[WebhookEndpoint]:
        if enterprise_code not in self.systems:
            await self.look_up(session, [enterprise_code])
        return self.systems[enterprise_code]

    async def look_up(self, session: AsyncSession, enterprise_codes: list[str]) -> None:
        """The subscribed systems of a pass's enterprises, in one query before it writes anything
        (a query amid the pass's writes would flush them, one small flush per enterprise)."""
        wanted = sorted({code for code in enterprise_codes if code and code not in self.systems})
        self.systems |= await webhooks.subscribed_many(session, wanted)

    async def finish(self, session: AsyncSession) -> None:
        """Writes the pass's inbox messages and their delivery lines, each line naming its
        message's id (taken before the rows are written), and its webhook messages: a statement
        each, however many."""
        await into_inboxes(session, self.inbox)
        self.inbox.clear()
        if self.webhooks:
            await insert_rows(session, WebhookMessage, self.webhooks)
            ring_on_commit(session, WebhookMessage)
            self.webhooks.clear()


async def send_reminder(
    session: AsyncSession, reminder: Reminder, item: TrackedDeadline, now: datetime, sending: Sending
) -> bool:
    """Tells each recipient of the step; False when the step has none — then the delivery log
    records it as undeliverable and the region's admins and 安委办 are told instead. What it
    writes waits in ``sending`` until the pass's ``finish``."""
    template = await sending.wording(session, reminder.template, item.region_code)
    deadline_day = item.deadline_at.astimezone(SHANGHAI).date()
    values = {
        "title": item.title,
        "deadline": f"{deadline_day.year}年{deadline_day.month}月{deadline_day.day}日",
        "days": str(abs((deadline_day - now.astimezone(SHANGHAI).date()).days)),
        "step": reminder.title,
        "step_what": item.step or "",
        "enterprise_code": item.enterprise_code,
    }
    title, text = templates.render(template, values)
    to = recipients(item, reminder.audience)
    if not to:
        _undeliverable(session, reminder, item, template, title, text, now, sending)
        return False
    for recipient in to:
        _to_inbox(reminder, item, recipient, "reminder", (template.key, template.version), title, text, now, sending)
    cause = f"reminder:{reminder.id}"
    params = outgoing.sms_params({k: values[k] for k in ("title", "deadline", "days", "step")})
    notice = outgoing.Notice(template.key, template.version, title, text, item.item_type, item.item_id, cause,
                             reminder.step, params)  # fmt: skip
    outgoing.to_places(session, notice, to, now)  # and to the people there by SMS, WeChat or e-mail
    if item.enterprise_code and f"enterprise:{item.enterprise_code}" in to:  # and to its own systems, if subscribed
        data = {"item_type": item.item_type, "item_id": item.item_id, "step": reminder.step, "title": title,
                "text": text, "deadline_at": item.deadline_at.astimezone(SHANGHAI).isoformat()}  # fmt: skip
        for endpoint in await sending.subscribed(session, item.enterprise_code):
            if "reminder.sent" in endpoint.event_types:
                sending.webhooks.append(
                    webhooks.new_message(endpoint, "reminder.sent", data, now, item.item_type, item.item_id)
                )
    return True


def _to_inbox(
    reminder: Reminder,
    item: TrackedDeadline,
    recipient: str,
    kind: str,
    template: tuple[str, int],
    title: str,
    text: str,
    now: datetime,
    sending: Sending,
) -> None:
    """One message of a reminder into an inbox, and its line in the delivery log (written by
    ``sending.finish``)."""
    entry = dict(
        recipient=recipient, source=f"reminder:{reminder.id}:{recipient}", item_type=item.item_type,
        item_id=item.item_id, kind=kind, title=title, text=text, at=now, delivered_at=now, read_at=None, read_by=None,
    )  # fmt: skip
    line = dict(
        item_type=item.item_type, item_id=item.item_id, cause=f"reminder:{reminder.id}", step=reminder.step,
        recipient=recipient, channel="inbox", template=template[0], template_version=template[1],
        title=title, text=text, status="delivered", error=None, attempted_at=now,
    )  # fmt: skip
    sending.inbox.append((entry, line))


def _undeliverable(
    session: AsyncSession, reminder: Reminder, item: TrackedDeadline, template, title: str, text: str, now: datetime,
    sending: Sending,
) -> None:  # fmt: skip
    wanted = "、".join(AUDIENCE_TITLES.get(who, who) for who in reminder.audience)
    session.add(Delivery(
        item_type=item.item_type, item_id=item.item_id, cause=f"reminder:{reminder.id}", step=reminder.step,
        recipient=f"nobody:{','.join(reminder.audience)}"[:100], channel="none", template=template.key,
        template_version=template.version, title=title, text=text, status="undeliverable", attempted_at=now,
        error=f"{NOBODY}（应送：{wanted}）",
    ))  # fmt: skip
    alert_title = f"{reminder.title}无人可送：{item.title}"[:100]
    alert = (
        f"“{item.title}”的{reminder.title}（{reminder.step}）应送{wanted}，但该事项没有这些收件人"
        f"（督办部门、挂牌机关或企业不明），未能送达。请核实并补全督办部门或挂牌机关，另行{reminder.title}。"
    )
    for recipient in responsible_inboxes(item):
        _to_inbox(reminder, item, recipient, "alert", ("reminder.undeliverable", 1), alert_title, alert, now, sending)


async def visible_item(session: AsyncSession, caller: Principal, item_type: str, item_id: int) -> TrackedDeadline:
    """The item, if the caller may see it: its staff, and its enterprise (a tip-off names none)."""
    query = select(TrackedDeadline).where(TrackedDeadline.item_type == item_type, TrackedDeadline.item_id == item_id)
    item = (await session.execute(query)).scalar_one_or_none()
    if item is None or not can_see(caller, region_code=item.region_code, enterprise_code=item.enterprise_code or None):
        raise ItemNotFound()
    return item


async def log(session: AsyncSession, caller: Principal, item_type: str, item_id: int) -> list[dict]:
    """Who was told what about an item, and when they read it."""
    await visible_item(session, caller, item_type, item_id)
    rows = await session.execute(
        select(Delivery, InboxEntry.read_at, InboxEntry.read_by)
        .outerjoin(
            InboxEntry, (Delivery.channel == "inbox") & (InboxEntry.source == Delivery.cause + ":" + Delivery.recipient)
        )
        .where(Delivery.item_type == item_type, Delivery.item_id == item_id)
        .order_by(Delivery.attempted_at, Delivery.id)
    )
    return [{**delivery.model_dump(), "read_at": read_at, "read_by": read_by} for delivery, read_at, read_by in rows]


EXPORT_COLUMNS = [
    Column("attempted_at", "时间", Kind.DATETIME), Column("step", "环节"), Column("recipient", "收件人"),
    Column("channel", "渠道"), Column("template", "模板"), Column("template_version", "模板版本", Kind.INTEGER),
    Column("title", "标题"), Column("text", "内容"), Column("provider_message_id", "消息编号"),
    Column("status", "结果"), Column("error", "错误"), Column("read_at", "阅读时间", Kind.DATETIME),
    Column("read_by", "阅读人"),
]  # fmt: skip


async def export(session: AsyncSession, caller: Principal, item_type: str, item_id: int, now: datetime) -> Table:
    """The delivery log of one item as a table (qingling.exports), titled by the item and the moment."""
    item = await visible_item(session, caller, item_type, item_id)
    entries = await log(session, caller, item_type, item_id)
    moment = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return Table(f"“{item.title}”送达记录（截至 {moment}）", EXPORT_COLUMNS, entries, sheet="送达记录")
