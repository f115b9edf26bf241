"""The notices sent on their own, not by a step of the ladder: a 重大 hazard's listing, each
change of its deadline and its close-out (to the enterprise's principal and actual controller,
its supervising department, and at close-out its lister — by SMS or e-mail; the listing and the
deadline changes into the enterprise's inbox too), and each step of a
tip-off to a reporter who gave a phone (SMS, naming nothing of the tip-off)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notify.deadlines.models import TrackedDeadline
from notify.deliveries import service as deliveries
from notify.outgoing import service
from notify.outgoing.service import Notice
from notify.templates import service as templates
from notify.templates.models import MessageTemplate
from qingling.clock import SHANGHAI
from qingling.events import EventEnvelope
from qingling.hazard_events import HazardChanged
from qingling.runtime import Runtime
from qingling.tipoff_events import ReporterNotified, TipOffChanged

DEADLINE_ACTIONS = frozenset({"grant_extension", "recount_deadline"})
REPORTER_HINT = "请在小程序中查看"  # a subscription message opens the mini-program; nothing of the tip-off
REPORTER_WHAT = {"notice": "办理进展", "reply": "答复", "question": "询问", "reward": "奖励通知"}


def hazard_kind(data: HazardChanged) -> str | None:
    """The notice a 重大 hazard's change calls for, if any."""
    if data.grade != "major":
        return None
    if data.action == "list":
        return "hazard.listed"
    if data.lister_region_code and data.action in DEADLINE_ACTIONS:
        return "hazard.deadline_changed"
    if data.lister_region_code and data.action == "close":
        return "hazard.closed"
    return None


def _places(data: HazardChanged, kind: str) -> list[str]:
    places = [f"enterprise:{data.enterprise_code}"] if data.enterprise_code else []
    supervising = data.supervising_department or {}
    if supervising.get("region_code") and supervising.get("kind"):
        places.append(f"department:{supervising['region_code']}:{supervising['kind']}")
    if kind == "hazard.closed" and data.lister_region_code:
        places.append(f"committee:{data.lister_region_code}")
    return places


async def hazard_notices(
    session: AsyncSession, events: list[tuple[TrackedDeadline | None, HazardChanged, EventEnvelope]]
) -> None:
    """For a batch of hazards' events (``deadlines.track_hazards``; each with its board row, or
    None where the board already shows a later picture): the listings, deadline changes and
    close-outs among them. A listing and each deadline change go into the enterprise's inbox, with
    a line in the delivery log (its systems have the event by webhook already); all three onto the
    outside channels' queue. Each event once: its inbox message's source is unique, and an event
    told again (redelivered) is not sent again. A listing or a close-out is told even when its
    event arrives after a later one (it happened, and the rules want it told); a deadline change
    only if it is still the deadline in force. Most events of a batch call for none: nothing is
    read for those."""
    outside = bool(service.channels_of(session).configured)
    wordings: dict[tuple[str, str], MessageTemplate] = {}
    told: list[tuple[Notice, HazardChanged, datetime]] = []
    for item, data, envelope in events:
        if (kind := hazard_kind(data)) is None or (item is None and kind == "hazard.deadline_changed"):
            continue
        if not outside and not (kind in INBOX_KINDS and data.enterprise_code):
            continue
        if (kind, data.region_code) not in wordings:
            wordings[kind, data.region_code] = await templates.current(session, kind, data.region_code)
        template = wordings[kind, data.region_code]
        values = _values(data.title, data.deadline_at, data.step, data.enterprise_code, envelope.occurred_at)
        title, text = templates.render(template, values)
        params = service.sms_params({"title": data.title, "deadline": values["deadline"]})
        cause = f"hazard:{data.hazard_id}:{data.seq}"
        notice = Notice(kind, template.version, title, text, "hazard", data.hazard_id, cause, data.action[:30], params)
        told.append((notice, data, envelope.occurred_at))
    fresh = await _to_enterprise_inboxes(session, told)
    if not outside:
        return
    for notice, data, at in told:
        if fresh.get(notice.cause, True):
            service.to_places(session, notice, _places(data, notice.kind), at)


INBOX_KINDS = {"hazard.listed": "listing", "hazard.deadline_changed": "deadline"}  # the inbox message's kind


async def _to_enterprise_inboxes(
    session: AsyncSession, said: list[tuple[Notice, HazardChanged, datetime]]
) -> dict[str, bool]:
    """A listing's or deadline change's message into its enterprise's inbox and its line in the
    delivery log, in one statement for the batch; answers, per cause, whether it was new (False:
    told already, under another delivery of the same event)."""
    runtime: Runtime = session.info["runtime"]
    now = runtime.clock.now()
    told, causes = [], {}
    for notice, data, at in said:
        if notice.kind not in INBOX_KINDS or not data.enterprise_code:
            continue
        recipient = f"enterprise:{data.enterprise_code}"
        source = causes[notice.cause] = f"{notice.cause}:{recipient}"
        entry = dict(
            recipient=recipient, source=source, item_type=notice.item_type, item_id=notice.item_id,
            kind=INBOX_KINDS[notice.kind], title=notice.title[:100], text=notice.text[:4000], at=at, delivered_at=now,
            read_at=None, read_by=None,
        )  # fmt: skip
        line = dict(
            item_type=notice.item_type, item_id=notice.item_id, cause=notice.cause[:50], step=notice.step,
            recipient=recipient, channel="inbox", template=notice.kind, template_version=notice.template_version,
            title=notice.title[:100], text=notice.text[:4000], status="delivered", error=None, attempted_at=now,
        )  # fmt: skip
        told.append((entry, line))
    written = await deliveries.into_inboxes(session, told)
    return {cause: source in written for cause, source in causes.items()}


ASSIGNING_ACTIONS = frozenset({"receive", "route", "transfer", "object"})  # a department has a new task


async def tip_off_tasks(
    session: AsyncSession, taken: list[tuple[TrackedDeadline, TipOffChanged, EventEnvelope]]
) -> None:
    """For a batch of tip-offs' events (``deadlines.track_tip_offs``): a department that now has a
    tip-off to handle — routed at intake, transferred to it, objected to by the reporter — is told
    on its staff's channels (its inbox shows the tip-off on the board already). The message names
    the tip-off by its number only, never the unit reported."""
    if not service.channels_of(session).configured:
        return
    wordings: dict[str, MessageTemplate] = {}
    for item, data, envelope in taken:
        if data.action not in ASSIGNING_ACTIONS or data.closed or not (data.lead_region_code and data.lead_kind):
            continue
        if item.region_code not in wordings:
            wordings[item.region_code] = await templates.current(session, "tip_off.assigned", item.region_code)
        template = wordings[item.region_code]
        values = _values(item.title, item.deadline_at, item.step, item.enterprise_code, envelope.occurred_at)
        title, text = templates.render(template, values)
        params = service.sms_params({"title": item.title, "deadline": values["deadline"], "step": item.step or ""})
        cause = f"tip_off:{data.tip_off_id}:{data.seq}"
        notice = Notice("tip_off.assigned", template.version, title, text, "tip_off", data.tip_off_id, cause,
                        data.action[:30], params)  # fmt: skip
        service.to_places(
            session, notice, [f"department:{data.lead_region_code}:{data.lead_kind}"], envelope.occurred_at
        )


def _values(title: str, deadline_at: datetime | None, step: str | None, enterprise_code: str, now: datetime) -> dict:
    """A template's variables (``templates.VARIABLES``) for an item and its deadline."""
    deadline = deadline_at.astimezone(SHANGHAI).date() if deadline_at else None
    return {
        "title": title,
        "deadline": f"{deadline.year}年{deadline.month}月{deadline.day}日" if deadline else "",
        "days": str(abs((deadline - now.astimezone(SHANGHAI).date()).days)) if deadline else "",
        "step": "",
        "step_what": step or "",
        "enterprise_code": enterprise_code,
    }


def reporter_notices(session: AsyncSession, events: list[tuple[ReporterNotified, EventEnvelope]]) -> None:
    """Each step told to a reporter who gave a phone or reported signed in to the mini-program —
    as a subscription message while they have an authorisation left, else by SMS — as well as in
    their receipt's inbox. The message says what kind of message waits for them — never the unit
    reported, nor the words, nor the receipt code (the delivery log is read by handlers), which
    they read behind their receipt and password."""
    for data, envelope in events:
        if not (data.sealed_contact or data.sealed_subject):
            continue
        what = REPORTER_WHAT.get(data.kind, "消息")
        at = envelope.occurred_at.astimezone(SHANGHAI)
        notice = Notice(
            kind=f"tip_off.{data.kind}", template_version=1, title=f"举报{what}",
            text=f"您的举报有新的{what}，请凭回执码和查询密码查看。",
            item_type="tip_off", item_id=data.tip_off_id, cause=f"tip_off_message:{data.message_id}",
            step=data.kind[:30],
            # what (SMS and subscription message), time and hint (a subscription template's keywords)
            params={"what": what, "time": f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}", "hint": REPORTER_HINT},
        )  # fmt: skip
        receipt = f"receipt:{data.receipt_code}"
        service.to_reporter(session, notice, receipt, data.sealed_contact, data.sealed_subject, envelope.occurred_at)
