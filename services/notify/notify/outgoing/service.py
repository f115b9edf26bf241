"""Messages to people outside notify's inboxes — by SMS, WeChat subscription message or e-mail —
queued as ``OutgoingMessage`` rows and sent by ``notify.outgoing.delivery``.

Callers address places, as they do inboxes (``to_places``); the people there are looked up when
the message's turn comes, outside any transaction (``fan_out`` writes one row per person on their
first channel). A reporter is addressed through the phone they gave and the mini-program
subject they reported under, sealed for notify alone (``to_reporter``). With no outside channel
configured nothing is queued: the inbox and the delivery log are all there is, as the start-up
log says."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notify.channels import ChannelName, Channels, Failure, SendFailed, Sent, mask_address
from notify.deliveries.models import Delivery
from notify.directory.schemas import Contact
from notify.outgoing import policy
from notify.outgoing.models import ChannelPreference, OutgoingMessage
from qingling.delivery import DeliveryState, ring_on_commit
from qingling.directory import ContactRole, Place, PlaceKind
from qingling.runtime import Runtime

SMS_PARAM_LENGTH = 35  # an SMS template variable's limit (Aliyun: 35 characters for a notification)
REGISTER_ROLES = frozenset({ContactRole.PRINCIPAL, ContactRole.ACTUAL_CONTROLLER, ContactRole.SAFETY_MANAGER})


@dataclass(frozen=True)
class Notice:
    """What one message says, before it is addressed: its template (notify's key and version),
    its wording, the provider template's variables, and what it is about."""

    kind: str
    template_version: int
    title: str
    text: str
    item_type: str
    item_id: int
    cause: str
    step: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def channels_of(session: AsyncSession) -> Channels:
    runtime: Runtime = session.info["runtime"]
    return runtime.adapters.channels


def sms_params(values: dict[str, str]) -> dict[str, str]:
    """Template variables as an SMS template takes them: strings of at most 35 characters."""
    return {name: str(value)[:SMS_PARAM_LENGTH] for name, value in values.items()}


def to_places(session: AsyncSession, notice: Notice, places: list[str], now: datetime) -> int:
    """Queues ``notice`` for the people of each place on their own channels; answers how many
    places. Nothing when no outside channel is on."""
    if not channels_of(session).configured or not places:
        return 0
    session.add_all(_queued(notice, place, now) for place in dict.fromkeys(places))
    ring_on_commit(session, OutgoingMessage)
    return len(places)


def to_reporter(
    session: AsyncSession,
    notice: Notice,
    receipt_place: str,
    sealed_phone: str | None,
    sealed_subject: str | None,
    now: datetime,
) -> bool:
    """Queues ``notice`` to a reporter: as a subscription message first if they reported signed in
    to the mini-program (their subject sealed for notify; whether an authorisation is left is
    seen at sending), else — or when none is left — by SMS to the phone they gave (sealed too).
    Both are opened only to send. False when neither channel can take the kind."""
    channels = channels_of(session)
    order = [
        name
        for name, sealed in ((ChannelName.WECHAT, sealed_subject), (ChannelName.SMS, sealed_phone))
        if sealed and (adapter := channels.get(name)) is not None and adapter.handles(notice.kind)
    ]
    if not order:
        return False
    first, *rest = order
    session.add(_queued(
        notice, receipt_place, now, person=policy.REPORTER, person_title="举报人", channel=first,
        fallbacks=[str(name) for name in rest], sealed_address=sealed_phone, sealed_subject=sealed_subject,
    ))  # fmt: skip
    ring_on_commit(session, OutgoingMessage)
    return True


def _queued(notice: Notice, place: str, now: datetime, **who: Any) -> OutgoingMessage:
    """The row of ``notice`` for ``place``; ``who`` names the person and their channel when they
    are known already (a reporter), else the directory finds the place's people when it comes up."""
    urgent, channel = policy.is_urgent(notice.kind), who.get("channel")
    return OutgoingMessage(
        place=place, kind=notice.kind, template_version=notice.template_version, params=notice.params,
        title=notice.title[:100], text=notice.text[:4000], item_type=notice.item_type, item_id=notice.item_id,
        cause=notice.cause[:60], step=notice.step, urgent=urgent, statutory=policy.is_statutory(notice.kind),
        available_at=policy.not_before(channel, urgent, now) if channel else now, created_at=now, **who,
    )  # fmt: skip


def is_place(address: str) -> bool:
    """Whether the directory can resolve ``address`` (an inbox's recipient may be something else)."""
    try:
        Place.parse(address)
    except ValueError:
        return False
    return True


def person_key(contact: Contact) -> str:
    """Who a contact is at their place: their account's subject, or their role in the register."""
    return contact.subject or str(contact.role)


def people(place: str, contacts: list[Contact]) -> list[Contact]:
    """Whom a place's message reaches outside the inbox: an enterprise's principal, actual
    controller and safety manager from the register (its accounts read its inbox); everyone
    resolved at any other place. Each person once."""
    register_only = Place.parse(place).kind is PlaceKind.ENTERPRISE
    chosen: dict[str, Contact] = {}
    for contact in contacts:
        if register_only and contact.role not in REGISTER_ROLES:
            continue
        chosen.setdefault(person_key(contact), contact)
    return list(chosen.values())


async def preferences_of(session: AsyncSession, subjects: list[str]) -> dict[str, dict[str, list[str]]]:
    """subject → kind → channels, for the subjects that set any."""
    if not subjects:
        return {}
    found: dict[str, dict[str, list[str]]] = {}
    query = select(ChannelPreference).where(ChannelPreference.subject.in_(subjects))
    for row in (await session.execute(query)).scalars():
        found.setdefault(row.subject, {})[row.kind] = list(row.channels)
    return found


def usable(channels: Channels, kind: str, wanted: list[ChannelName], contact: Contact | None) -> list[ChannelName]:
    """The channels of ``wanted`` that are on, can send ``kind`` and (for a contact) reach them."""
    return [
        name
        for name in wanted
        if (adapter := channels.get(name)) is not None
        and adapter.handles(kind)
        and (contact is None or contact.address(name.value) is not None)
    ]


async def fan_out(
    session: AsyncSession, row: OutgoingMessage, contacts: list[Contact], now: datetime
) -> list[OutgoingMessage]:
    """One row per person of ``row``'s place, on the first of their channels that is on and
    reaches them, the rest kept as fallbacks; an SMS that is not urgent waits out the quiet hours.
    Nobody reachable: one line in the delivery log says so (the inbox has the message)."""
    channels = channels_of(session)
    reached = people(row.place, contacts)
    preferences = await preferences_of(session, [c.subject for c in reached if c.subject])
    written = []
    for contact in reached:
        wanted = policy.order(contact.role, row.kind, preferences.get(contact.subject or "", {}))
        order = usable(channels, row.kind, wanted, contact)
        if not order:
            continue
        first, *rest = order
        written.append(_copy(row, person=person_key(contact), person_title=f"{contact.title} {contact.name}".strip(),
                              channel=first, fallbacks=[str(c) for c in rest], now=now,
                              address_masked=mask_address(first, contact.address(first.value) or "")))  # fmt: skip
    if not written:
        error = "该位置没有人留有可用的手机号、邮箱或微信（或已选择仅站内信），仅送站内信"
        session.add(_line(row, "无人", "none", now, status="skipped", error=error))
    session.add_all(written)
    if written:
        ring_on_commit(session, OutgoingMessage)
    return written


def next_channel(session: AsyncSession, row: OutgoingMessage, now: datetime) -> OutgoingMessage | None:
    """After a refusal of the person on ``row``'s channel: the same message on their next one."""
    if not row.fallbacks:
        return None
    first, *rest = row.fallbacks
    follow = _copy(row, person=row.person, person_title=row.person_title, channel=ChannelName(first),
                   fallbacks=rest, now=now, address_masked=None)  # fmt: skip
    follow.sealed_address, follow.sealed_subject = row.sealed_address, row.sealed_subject
    session.add(follow)
    ring_on_commit(session, OutgoingMessage)
    return follow


def _copy(row: OutgoingMessage, *, person: str | None, person_title: str, channel: ChannelName,
          fallbacks: list[str], now: datetime, address_masked: str | None) -> OutgoingMessage:  # fmt: skip
    return OutgoingMessage(
        place=row.place, person=person, person_title=person_title[:60], channel=channel, fallbacks=fallbacks,
        address_masked=address_masked, kind=row.kind, template_version=row.template_version, params=row.params,
        title=row.title, text=row.text, item_type=row.item_type, item_id=row.item_id, cause=row.cause, step=row.step,
        urgent=row.urgent, statutory=row.statutory, available_at=policy.not_before(channel, row.urgent, now),
        created_at=now,
    )  # fmt: skip


def attempt_line(row: OutgoingMessage, result: Sent | SendFailed | None, error: str | None, now: datetime) -> Delivery:
    """The delivery log's line of one attempt on a channel: whom (masked), what, the provider's
    message id, and how it went."""
    if isinstance(result, Sent):
        status = "delivered"
    elif isinstance(result, SendFailed) and result.failure is Failure.REFUSED:
        status = "refused"  # the next channel is tried
    elif isinstance(result, SendFailed) and result.failure is Failure.REJECTED:
        status = "rejected"  # parked for a person
    else:
        status = "failed"  # tried again later
    who = f"{row.person_title or row.person} {row.address_masked or ''}".strip()
    line = _line(row, who, row.channel, now, status=status, error=error)
    line.provider_message_id = result.provider_message_id if isinstance(result, Sent) else None
    return line


def _line(row: OutgoingMessage, who: str, channel: str, now: datetime, *, status: str, error: str | None) -> Delivery:
    place = "举报人" if row.person == policy.REPORTER else row.place  # a receipt code stays off the log
    recipient = who if row.person == policy.REPORTER else f"{place} {who}"
    sent = row.text if channel == ChannelName.EMAIL else f"模板变量 {json.dumps(row.params, ensure_ascii=False)}"
    return Delivery(
        item_type=row.item_type, item_id=row.item_id, cause=f"outgoing:{row.id}", step=row.step,
        recipient=recipient[:100], channel=channel, template=row.kind, template_version=row.template_version,
        title=row.title, text=sent[:4000], status=status, error=(error or None) and error[:500], attempted_at=now,
    )  # fmt: skip


def parked(row: OutgoingMessage) -> bool:
    return row.state == DeliveryState.PARKED
