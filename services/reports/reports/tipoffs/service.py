"""Tip-offs: received from the public, routed, decided, verified, turned into hazards when true,
answered — every step on the tip-off's audit trail, told to the reporter, and published to notify."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import structlog
from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qingling import audit
from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.auth.scope import staff_rows
from qingling.bulk import reserve_ids
from qingling.calendar import Unit, WorkingCalendar, is_overdue
from qingling.clock import SHANGHAI, to_shanghai
from qingling.delivery import DeliveryState
from qingling.errors import Conflict, FieldError, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from qingling.events import EventEnvelope
from qingling.hazard_events import HazardChanged
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved, working_calendar
from qingling.lifecycle import recount_step, start_step
from qingling.outbox import emit, emit_many, latest_about
from qingling.pagination import PageParams, fetch_page
from qingling.reporter_contact import contact_context
from qingling.runtime import Runtime
from qingling.sealing import keyed_hash
from qingling.tipoff_events import ReporterNotified, TipOffChanged, TipOffVerified
from reports.calendar import HolidayArrangement, forget_year, keep_year
from reports.conversation.models import TipOffMessage
from reports.duplicates import service as duplicates
from reports.figures.models import REWARD_HISTORY, TIP_OFF_HISTORY
from reports.media.models import TipOffMedia
from reports.receipts import service as receipts
from reports.rewards.models import Reward
from reports.rewards.notices import notice_of
from reports.tipoffs import authority, routing, schemas
from reports.tipoffs.lifecycle import (
    DECISION_LIMIT,
    OBJECTION_DAYS,
    REPORTER_NOTICES,
    TIP_OFF_LIFECYCLE,
)
from reports.tipoffs.models import SealedReporter, TipOff, TipOffAudit, TipOffHolder
from reports.tipoffs.redaction import redact, self_names

log = structlog.get_logger(__name__)

T = TypeVar("T")
RECEIPT_CODE_DRAWS = 3  # a code already issued is drawn again, at most this often in all

SUBSCRIBERS = ("notify",)  # deadline board and reminders
ACCEPTED_STATES = frozenset(
    {"verifying", "extension_requested", "concluded", "replied", "objected", "re_examined", "closed"}
)


class TipOffNotFound(NotFound):
    code, title = "tip-off-not-found", "举报不存在或不在您的管辖范围内"


class NoticeNotRead(ValidationFailed):
    code, title = "privacy-notice-not-agreed", "请先阅读并同意最新的《举报人信息保护告知》"


class LeadDepartmentOnly(Forbidden):
    code, title = "lead-department-only", "只有主办部门才能进行此操作"


class TakeOverNotAllowed(Forbidden):
    code, title = "take-over-not-allowed", "名录中没有您所在的部门，不能提级办理"


class RefusalGroundNotApplicable(ValidationFailed):
    code, title = "refusal-ground-not-applicable", "所选的不予受理理由不适用于这件举报"


class AlreadyExtended(Conflict):
    code, title = "already-extended", "核查期限只能延长一次"


class FindingIncomplete(ValidationFailed):
    code, title = "finding-incomplete", "核查结论不完整"


class RegisterDown(ServiceUnavailable):
    code, title = "register-unavailable", "暂时无法查询企业和部门名录，请稍后重试"


# ------------------------------------------------------------------------------------------ intake


@dataclass(frozen=True)
class Received:
    tip_off: TipOff
    secret: str  # shown once, in the receipt; only its HMAC is kept


async def receive(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal | None,
    body: schemas.TipOffSubmission | schemas.StaffSubmission,
    now: datetime,
) -> Received:
    """Takes a tip-off in: checked whole (422 naming every bad field, nothing stored), routed,
    the reporter's identity and words sealed, a receipt issued."""
    if body.consent.notice_version != schemas.PRIVACY_NOTICE_VERSION:
        raise NoticeNotRead(
            f"告知已更新为 {schemas.PRIVACY_NOTICE_VERSION} 版，请重新阅读并同意",
            errors=[FieldError(location="body", field="/consent/notice_version", message="不是最新版本")],
        )
    reporter = body.reporter or schemas.Reporter()
    known = [reporter.name, reporter.phone, reporter.id_number]
    facts = redact(body.facts, known)
    verdict = await runtime.adapters.content_check.check(facts)  # before the transaction takes its locks
    media = await unattached_media(session, body.media)
    region_code, industry = body.region_code, body.industry or routing.DEFAULT_INDUSTRY
    enterprise = None
    try:
        if body.enterprise_code:
            enterprise = await routing.enterprise(session, runtime, body.enterprise_code)
        if enterprise is not None:
            region_code, industry = enterprise["region_code"], body.industry or enterprise["industry"]
        route = await routing.resolve(session, runtime, region_code, industry)
        routed = True
    except routing.RegisterUnavailable:
        route, routed = None, False  # received all the same; the routing worker finishes the job

    code = receipts.new_code()  # checked by the table's unique key as the tip-off is written (``issued_once``)
    secret = receipts.new_secret()
    calendar = await working_calendar(session, HolidayArrangement)
    signed_in = caller is not None and caller.has(Role.MINIPROGRAM_USER)
    tip_off = TipOff(
        receipt_code=code,
        secret_hash=receipts.secret_hash(runtime, secret),
        channel=body.channel,
        category=body.category,
        industry=industry,
        enterprise_code=body.enterprise_code,
        enterprise_name=(enterprise or {}).get("name") or body.enterprise_name,
        target=redact(body.target, known) if body.target else None,
        address=redact(body.address, known) if body.address else None,
        latitude=body.latitude,
        longitude=body.longitude,
        region_code=region_code,
        observed_at=body.observed_at,
        facts=facts,
        real_name=reporter.real_name,
        employee=body.employee,
        reporter_key=keyed_hash(runtime.adapters.hash_key, caller.subject) if signed_in else None,
        entered_by=caller.subject if isinstance(body, schemas.StaffSubmission) else None,
        call_reference=getattr(body, "call_reference", None),
        call_at=getattr(body, "call_at", None),
        content_flag=verdict.reason if verdict.flagged else None,
        state=TIP_OFF_LIFECYCLE.initial,
        received_at=now,
        updated_at=now,
    )
    start_step(tip_off, DECISION_LIMIT.what, DECISION_LIMIT.basis(now), calendar)
    routing.apply(tip_off, route)
    actor = (
        caller if isinstance(body, schemas.StaffSubmission) else RECEIPT_HOLDER
    )  # the trail never names who reported
    payload = {
        "channel": body.channel,
        "category": body.category,
        "real_name": tip_off.real_name,
        "media": len(media),
        "routed_to": tip_off.lead_department,
        "routing_pending": not routed,
    }
    # The id taken first, so the tip-off is written once with the head of its trail (whose first
    # entry's hash covers the id) — not inserted, then updated.
    [tip_off.id] = await reserve_ids(session, TipOff, 1)
    entry = audit.trail_values(tip_off.id, tip_off.head, action="receive", actor=actor, at=now, payload=payload)
    tip_off.audit_seq, tip_off.audit_head = entry["seq"], entry["hash"]
    await session.execute(_INSERT_TIP_OFF, {name: getattr(tip_off, name) for name in _TIP_OFF_COLUMNS})
    for item in media:
        item.tip_off_id, item.attached_at = tip_off.id, now
    sealed = {**reporter.model_dump(), "subject": caller.subject if signed_in else None, "facts": body.facts}
    await _first_records(session, runtime, tip_off, sealed, entry, now)
    await duplicates.flag(session, runtime, tip_off)
    return Received(tip_off, secret)


# Intake's plain inserts, built once (Core, values bound at execution): an ORM-enabled
# ``insert(Model).values(…)`` is coerced and keyed anew on every call, and the session's flush
# of a new object costs more than the statement it sends.
_TIP_OFF_COLUMNS = tuple(TipOff.__table__.columns.keys())
_INSERT_TIP_OFF = insert(TipOff.__table__)
_INSERT_SEALED = insert(SealedReporter.__table__)
_INSERT_MESSAGE = insert(TipOffMessage.__table__).returning(TipOffMessage.__table__.c.id)
_INSERT_ENTRY = insert(TipOffAudit.__table__)


async def _first_records(
    session: AsyncSession,
    runtime: Runtime,
    tip_off: TipOff,
    sealed: dict[str, Any],
    entry: dict[str, Any],
    now: datetime,
) -> None:
    """What intake writes besides the tip-off — the sealed reporter, the notice of receipt, the
    first trail entry (``entry``), the first version and both events (``tell`` and
    ``record_change`` for a tip-off just inserted) — as plain inserts: the hottest write path
    builds no ORM objects for rows it never reads back."""
    text = REPORTER_NOTICES["receive"]
    await session.execute(_INSERT_SEALED, _sealed(runtime, tip_off.id, sealed))
    notice = {"tip_off_id": tip_off.id, "side": "handler", "kind": "notice", "text": text, "at": now}
    message_id = (await session.execute(_INSERT_MESSAGE, notice)).scalar_one()
    await session.execute(_INSERT_ENTRY, entry)
    await TIP_OFF_HISTORY.record_new(session, [{"id": tip_off.id, **TIP_OFF_HISTORY.values(tip_off)}], at=now)
    told = _notified(tip_off, message_id, "notice", text, now)
    events = [(told, f"tip_off/{tip_off.id}"), (_changed(tip_off, "receive", None), f"tip_off/{tip_off.id}")]
    await emit_many(session, events, to=SUBSCRIBERS)


def receipt(received: Received) -> schemas.TipOffReceipt:
    tip_off = received.tip_off
    return schemas.TipOffReceipt(
        tip_off_id=tip_off.id,
        receipt_code=tip_off.receipt_code,
        secret=received.secret,
        state=tip_off.state,
        state_title=TIP_OFF_LIFECYCLE.states[tip_off.state],
        routed_to=tip_off.lead_department,
        decision_due_at=tip_off.step_due_at,
        received_at=tip_off.received_at,
    )


async def unattached_media(session: AsyncSession, tokens: list[str]) -> list[TipOffMedia]:
    if not tokens:
        return []
    # Locked: the 24 h purge cannot delete them, nor another tip-off take them, while this one attaches them.
    query = select(TipOffMedia).where(TipOffMedia.token.in_(tokens)).with_for_update()
    rows = (await session.execute(query)).scalars()
    found = {row.token: row for row in rows if row.tip_off_id is None and row.side == "reporter"}
    errors = [
        FieldError(location="body", field=f"/media/{i}", message="没有这个上传的文件，或它已用于其他举报")
        for i, token in enumerate(tokens)
        if token not in found
    ]
    if errors:
        raise ValidationFailed("有照片或视频找不到，请重新上传", errors=errors)
    return list(found.values())


async def issued_once(intake: Callable[[], Awaitable[T]]) -> T:
    """Runs an intake's transaction again, with a new receipt code, when the code it drew is
    already some tip-off's: 32^10 codes make that rare, but a code is never issued twice. The
    table's unique key finds it as the tip-off is written — no look-up before every intake."""
    for _ in range(RECEIPT_CODE_DRAWS - 1):
        try:
            return await intake()
        except IntegrityError as exc:
            if "receipt_code" not in str(exc.orig):
                raise
            log.warning("receipt code drawn twice: drawn again")
    return await intake()


def _sealed(runtime: Runtime, tip_off_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """The columns of the ``SealedReporter`` row of a tip-off."""
    sealer = runtime.adapters.sealer
    plaintext = json.dumps(values, ensure_ascii=False)
    return {"tip_off_id": tip_off_id, "sealed": sealer.seal(plaintext, f"tip_off:{tip_off_id}")}


# --------------------------------------------------------------------------------------- reading


def visible(caller: Principal) -> Any:
    """Staff see the tip-offs of their jurisdiction, and their department sees those it leads
    or once led and handed on (a case moved to another county stays readable to both)."""
    rows = staff_rows(caller, TipOff.region_code)
    if not (caller.has(*STAFF_ROLES) and caller.region_code and caller.department):
        return rows
    held = select(TipOffHolder.tip_off_id).where(
        TipOffHolder.region_code == caller.region_code, TipOffHolder.kind == caller.department
    )
    leads = and_(TipOff.lead_region_code == caller.region_code, TipOff.lead_kind == caller.department)
    return or_(rows, leads, TipOff.id.in_(held))


async def get(session: AsyncSession, caller: Principal, tip_off_id: int, *, for_update: bool = False) -> TipOff:
    query = select(TipOff).where(TipOff.id == tip_off_id, visible(caller))
    tip_off = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if tip_off is None:
        raise TipOffNotFound()
    return tip_off


async def page(
    session: AsyncSession,
    caller: Principal,
    params: PageParams,
    now: datetime,
    *,
    state: str | None = None,
    category: str | None = None,
    lead_department_id: int | None = None,
    mine: bool = False,
    step_overdue: bool | None = None,
    receipt_code: str | None = None,
    industry: str | None = None,
    enterprise_code: str | None = None,
    received_after: datetime | None = None,
    received_before: datetime | None = None,
    actionable: Any = None,
) -> list[TipOff]:
    """``actionable``: a clause (``actions.actionable``) keeping only those the caller may act on
    now. The receipt window runs from a moment (included) to a moment (excluded)."""
    query = select(TipOff).where(visible(caller))
    if actionable is not None:
        query = query.where(actionable)
    for column, value in ((TipOff.industry, industry), (TipOff.enterprise_code, enterprise_code)):
        if value is not None:
            query = query.where(column == value)
    if received_after is not None:
        query = query.where(TipOff.received_at >= received_after)
    if received_before is not None:
        query = query.where(TipOff.received_at < received_before)
    if receipt_code:
        query = query.where(TipOff.receipt_code == receipts.normalise(receipt_code))
    if state:
        query = query.where(TipOff.state == state)
    if category:
        query = query.where(TipOff.category == category)
    if lead_department_id is not None:
        query = query.where(TipOff.lead_department_id == lead_department_id)
    if mine:
        query = query.where(TipOff.lead_region_code == caller.region_code, TipOff.lead_kind == caller.department)
    if step_overdue is not None:
        late = TipOff.step_due_at < now.replace(microsecond=0)
        query = query.where(late if step_overdue else ~late | TipOff.step_due_at.is_(None))
    return await fetch_page(session, query, TipOff.id, params)


async def holders(session: AsyncSession, tip_offs: list[TipOff]) -> dict[int, list[TipOffHolder]]:
    """The departments that held each of ``tip_offs`` and handed it on, in order."""
    query = select(TipOffHolder).where(TipOffHolder.tip_off_id.in_([t.id for t in tip_offs]))
    found: dict[int, list[TipOffHolder]] = {t.id: [] for t in tip_offs}
    for holder in (await session.execute(query.order_by(TipOffHolder.handed_on_at))).scalars():
        found[holder.tip_off_id].append(holder)
    return found


def subject_of(tip_off: TipOff) -> str:
    return f"tip_off/{tip_off.id}"


async def conversions(session: AsyncSession, tip_offs: list[TipOff]) -> dict[int, schemas.Conversion]:
    """Where each true tip-off's conversion to a hazard stands: its hazard listed, or the event
    that asks for it on its way, or parked because the hazards service refused it — which only
    its handler can put right (``correct_conversion``)."""
    found = {t.id: schemas.Conversion(state=schemas.ConversionState.CONVERTED) for t in tip_offs if t.hazard_id}
    waiting = [t for t in tip_offs if not t.hazard_id and t.details.finding and t.details.finding.hazard]
    events = await latest_about(session, [subject_of(t) for t in waiting], TipOffVerified.event_type)
    for tip_off in waiting:
        if (event := events.get(subject_of(tip_off))) is None:
            continue
        if event.state == DeliveryState.PARKED:
            problem = (event.last_error or "").removeprefix(f"HTTP {event.last_status}: ") or "隐患服务拒收"
            state, attempts = schemas.ConversionState.PARKED, event.attempts
            found[tip_off.id] = schemas.Conversion(
                state=state, problem=problem, attempts=attempts, since=event.created_at
            )
        else:
            state = schemas.ConversionState.PENDING
            found[tip_off.id] = schemas.Conversion(state=state, attempts=event.attempts, since=event.created_at)
    return found


def to_read(
    tip_off: TipOff,
    now: datetime,
    allowed: list[str],
    held: list[TipOffHolder],
    possible_duplicates: list[int],
    conversion: schemas.Conversion | None = None,
) -> schemas.TipOffRead:
    return schemas.TipOffRead.model_validate(
        {
            **tip_off.model_dump(),
            "possible_duplicates": possible_duplicates,
            "details": tip_off.details,
            "state_title": TIP_OFF_LIFECYCLE.states[tip_off.state],
            "allowed_actions": allowed,
            "handled_by": held,
            "conversion": conversion,
            "step_overdue": _step_overdue(tip_off, now),
        }
    )


def _step_overdue(tip_off: TipOff, now: datetime) -> bool:
    return tip_off.step_due_at is not None and is_overdue(now, tip_off.step_due_at)


async def history(session: AsyncSession, caller: Principal, tip_off_id: int) -> list[TipOffAudit]:
    await get(session, caller, tip_off_id)
    return await audit.trail(session, TipOffAudit, tip_off_id)


async def verify(session: AsyncSession, caller: Principal, tip_off_id: int) -> audit.Verification:
    tip_off = await get(session, caller, tip_off_id)
    return audit.verify(await history(session, caller, tip_off_id), tip_off.head)


# --------------------------------------------------------------------------------- the reporter


async def reporter_view(session: AsyncSession, tip_off_id: int, now: datetime) -> schemas.ReporterView:
    """What the holder of a receipt sees. A merged tip-off shows the case it joined: its progress,
    outcome and hazard, and the reward, which goes to the first reporter only."""
    tip_off = await session.get(TipOff, tip_off_id)
    merged = tip_off.state == "merged"
    case = await session.get(TipOff, tip_off.duplicate_of) if merged else tip_off
    query = select(TipOffMessage).where(TipOffMessage.tip_off_id == tip_off_id)
    query = query.order_by(TipOffMessage.at, TipOffMessage.id)  # events may arrive late, carrying their time
    attached = select(TipOffMedia.message_id, func.count()).where(TipOffMedia.tip_off_id == tip_off_id)
    media = dict((await session.execute(attached.group_by(TipOffMedia.message_id))).all())
    messages = [
        schemas.MessageRead.model_validate({**m.model_dump(), "media": media.get(m.id, 0)})
        for m in (await session.execute(query)).scalars()
    ]
    objection_open = case.id == tip_off.id and case.state in ("replied", "closed") and case.details.objection is None
    objection_due_at = (
        objection_due(await working_calendar(session, HolidayArrangement), case) if objection_open else None
    )
    reward = (await session.execute(select(Reward).where(Reward.tip_off_id == case.id))).scalar_one_or_none()
    allowed = {
        "supplement": tip_off.state not in TIP_OFF_LIFECYCLE.final,
        "object": objection_due_at is not None and now <= objection_due_at,
        "claim_reward": reward is not None
        and reward.state == "notified"
        and reward.reporter_tip_off_id == tip_off.id
        and now <= reward.claim_due_at,
    }
    return schemas.ReporterView(
        receipt_code=tip_off.receipt_code,
        category=tip_off.category,
        state=tip_off.state,
        state_title=_state_title(tip_off, case),
        received_at=tip_off.received_at,
        step=case.step,
        step_due_at=case.step_due_at,
        step_provisional=case.step_provisional,
        step_overdue=_step_overdue(case, now),
        outcome=schemas.OUTCOME_TITLES[schemas.Outcome(case.outcome)] if case.outcome else None,
        hazard_state=case.hazard_state,
        merged=merged,
        objection_due_at=objection_due_at,
        reward=notice_of(reward, tip_off.id) if reward is not None else None,
        allowed_actions=[action for action, open_ in allowed.items() if open_],
        messages=messages,
    )


def _state_title(tip_off: TipOff, case: TipOff) -> str:
    title = TIP_OFF_LIFECYCLE.states[tip_off.state]
    return title if case is tip_off else f"{title}：{TIP_OFF_LIFECYCLE.states[case.state]}"


def objection_due(calendar: WorkingCalendar, tip_off: TipOff) -> datetime:
    return calendar.deadline(tip_off.replied_at, OBJECTION_DAYS, Unit.CALENDAR_DAYS).due_at


async def reporter_details(runtime: Runtime, session: AsyncSession, tip_off: TipOff) -> list[str | None]:
    """The reporter's name and numbers, and the names they introduced themselves with in the facts."""
    sealed = _unseal(runtime, await session.get(SealedReporter, tip_off.id))
    return [sealed.get("name"), sealed.get("phone"), sealed.get("id_number"), *self_names(sealed.get("facts") or "")]


def _unseal(runtime: Runtime, sealed: SealedReporter) -> dict[str, Any]:
    return json.loads(runtime.adapters.sealer.unseal(sealed.sealed, f"tip_off:{sealed.tip_off_id}"))


async def mine(session: AsyncSession, runtime: Runtime, caller: Principal, now: datetime) -> list[schemas.ReporterView]:
    """A signed-in mini-program user's own tip-offs — how a real-name reporter who lost a secret
    still follows them."""
    key = keyed_hash(runtime.adapters.hash_key, caller.subject)
    ids = (await session.execute(select(TipOff.id).where(TipOff.reporter_key == key).order_by(TipOff.id))).scalars()
    return [await reporter_view(session, tip_off_id, now) for tip_off_id in list(ids)]


# ---------------------------------------------------------------------------------- the custodian


async def reveal(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    tip_off_id: int,
    request: schemas.RevealRequest,
    now: datetime,
) -> schemas.RevealedReporter:
    """Opens the seal for a custodian of the tip-off's region, for a stated category and reason,
    on the record."""
    tip_off = await get(session, caller, tip_off_id, for_update=True)
    sealed = _unseal(runtime, await session.get(SealedReporter, tip_off.id))
    query = select(TipOffMessage.sealed_original).where(
        TipOffMessage.tip_off_id == tip_off.id, TipOffMessage.sealed_original.is_not(None)
    )
    originals = [
        runtime.adapters.sealer.unseal(value, f"tip_off:{tip_off.id}")
        for value in (await session.execute(query)).scalars()
    ]
    record = {
        "category": request.category,
        "category_title": schemas.REVEAL_CATEGORY_TITLES[request.category],
        "reason": request.reason,
    }
    record_change(session, tip_off, "reveal_reporter", caller, now, record, publish=False)
    return schemas.RevealedReporter(
        tip_off_id=tip_off.id,
        name=sealed.get("name"),
        phone=sealed.get("phone"),
        id_number=sealed.get("id_number"),
        subject=sealed.get("subject"),
        facts=sealed["facts"],
        supplements=originals,
        revealed_at=now,
    )


# --------------------------------------------------------------------------------- the record


def record_change(
    session: AsyncSession,
    tip_off: TipOff,
    action: str,
    caller: Principal,
    now: datetime,
    payload: dict[str, Any],
    *,
    publish: bool = True,
    reward: Reward | None = None,
) -> None:
    """Appends to the tip-off's trail and publishes its new state, in the change's transaction,
    and opens a new version of it — and of ``reward``, a step of its reward — for the figures as
    of any moment (``figures.models``)."""
    entry = audit.trail_entry(
        TipOffAudit, tip_off.id, tip_off.head, action=action, actor=caller, at=now, payload=payload,
        reason=payload.get("reason") or payload.get("explanation"),
    )  # fmt: skip
    session.add(entry)
    tip_off.audit_seq, tip_off.audit_head = entry.seq, entry.hash
    at = max(now, tip_off.updated_at)  # an event that arrives late opens its version when it is taken in
    TIP_OFF_HISTORY.record(session, tip_off, at=at)
    if reward is not None:
        REWARD_HISTORY.record(session, reward, at=max(at, reward.updated_at))
    if publish:
        emit(session, _changed(tip_off, action, payload.get("from")), subject=f"tip_off/{tip_off.id}", to=SUBSCRIBERS)


def _changed(tip_off: TipOff, action: str, previous_state: str | None) -> TipOffChanged:
    return TipOffChanged(
        tip_off_id=tip_off.id,
        seq=tip_off.audit_seq,
        action=action,
        state=tip_off.state,
        previous_state=previous_state,
        receipt_code=tip_off.receipt_code,
        category=tip_off.category,
        region_code=tip_off.region_code,
        lead_department_id=tip_off.lead_department_id,
        lead_region_code=tip_off.lead_region_code,
        lead_kind=tip_off.lead_kind,
        step=tip_off.step,
        step_due_at=tip_off.step_due_at,
        step_provisional=tip_off.step_provisional,
        hazard_id=tip_off.hazard_id,
        closed=tip_off.state in TIP_OFF_LIFECYCLE.final,
    )


async def tell_reporter(session: AsyncSession, tip_off: TipOff, action: str, now: datetime, words: str = "") -> None:
    """Adds what the reporter is told at this step to their messages — and to those of every
    reporter whose tip-off was merged into this one."""
    if action not in REPORTER_NOTICES:
        return
    text = REPORTER_NOTICES[action] + words
    kind = "reply" if action in ("reply", "re_examine") else "notice"
    own_step = action in ("receive", "merge", "object")  # what only this reporter did (none merged in yet)
    told = [tip_off] if own_step else [tip_off, *await duplicates.merged_into(session, tip_off)]
    for reporter in told:
        await tell(session, reporter, kind, text, now)


async def tell(
    session: AsyncSession, tip_off: TipOff, kind: str, text: str, at: datetime, *, author: str | None = None
) -> TipOffMessage:
    """Tells the holder of ``tip_off``'s receipt something: kept with the tip-off, and sent
    through the outbox to their inbox in the notify service."""
    message = TipOffMessage(tip_off_id=tip_off.id, side="handler", kind=kind, text=text, author=author, at=at)
    session.add(message)
    await session.flush()
    told = _notified(tip_off, message.id, kind, text, at, *await _sealed_contact(session, tip_off))
    emit(session, told, subject=f"tip_off/{tip_off.id}", to=SUBSCRIBERS)
    return message


async def _sealed_contact(session: AsyncSession, tip_off: TipOff) -> tuple[str | None, str | None]:
    """The phone the reporter gave and the mini-program subject they reported under, each sealed
    for the notify service alone (``qingling.reporter_contact``), so notify can text them this
    step or send it as a subscription message; None for what they did not give."""
    runtime: Runtime = session.info["runtime"]
    row = await session.get(SealedReporter, tip_off.id)
    sealed = _unseal(runtime, row) if row is not None else {}
    context, sealer = contact_context(tip_off.id), runtime.adapters.contact_sealer
    phone, subject = sealed.get("phone"), sealed.get("subject")
    return (
        sealer.seal(phone, context) if phone else None,
        sealer.seal(subject, context) if subject and subject.startswith("wechat:") else None,
    )


def _notified(
    tip_off: TipOff,
    message_id: int,
    kind: str,
    text: str,
    at: datetime,
    sealed_contact: str | None = None,
    sealed_subject: str | None = None,
) -> ReporterNotified:
    return ReporterNotified(
        tip_off_id=tip_off.id, message_id=message_id, receipt_code=tip_off.receipt_code, kind=kind, text=text, at=at,
        sealed_contact=sealed_contact, sealed_subject=sealed_subject,
    )  # fmt: skip


def in_lead_department(caller: Principal, tip_off: TipOff) -> bool:
    return authority.lead(tip_off, caller) is None


# ------------------------------------------------------------------------------- from other services


async def on_hazard_changed(session: AsyncSession, data: HazardChanged, envelope: EventEnvelope) -> None:
    """Mirrors the hazard a tip-off became, for the reporter; tells them when it is linked and
    when it is struck off."""
    if not (data.source_ref or "").startswith("tip_off:"):
        return
    tip_off = await session.get(TipOff, int(data.source_ref.removeprefix("tip_off:")), with_for_update=True)
    if tip_off is None or tip_off.hazard_seq >= data.seq:
        return  # not ours, or a late, older picture of the hazard
    first = tip_off.hazard_id is None
    tip_off.hazard_id, tip_off.hazard_state, tip_off.hazard_seq = data.hazard_id, data.state_title, data.seq
    at = envelope.occurred_at
    if first:
        text = "您举报的隐患已列入隐患清单，督促被举报单位限期整改。"
        await tell(session, tip_off, "notice", text, at)
    if data.state == "closed":  # 销号
        await tell(session, tip_off, "notice", "您举报的隐患已整改完毕，经复核销号。", at)
    record_change(session, tip_off, "hazard_update", Principal(subject=f"service:{envelope.source}"), at,
                  {"hazard_id": data.hazard_id, "hazard_state": data.state})  # fmt: skip


async def on_year_loaded(session: AsyncSession, data: CalendarYearLoaded, envelope: EventEnvelope) -> None:
    if await keep_year(session, data, envelope):
        await recount_steps(session, data.year, envelope)


async def on_year_removed(session: AsyncSession, data: CalendarYearRemoved, envelope: EventEnvelope) -> None:
    if await forget_year(session, data, envelope):
        await recount_steps(session, data.year, envelope)


async def recount_steps(session: AsyncSession, year: int, envelope: EventEnvelope) -> None:
    """A year's holiday arrangement changed: every running limit of a tip-off or a reward the
    year can move — provisional for want of its notice, or ending in or after it — is counted
    again from its start, and each change goes on the tip-off's trail (and, published, re-plans
    its reminders)."""
    working = await working_calendar(session, HolidayArrangement)
    actor, at = Principal(subject=f"service:{envelope.source}"), envelope.occurred_at
    why = {"calendar_year": year, "reason": f"{year} 年放假调休安排变更，期限重新计算"}
    for model in (TipOff, Reward):
        moved = or_(model.step_provisional, model.step_due_at >= datetime(year, 1, 1, tzinfo=SHANGHAI))
        query = select(model).where(moved, model.step_due_at.is_not(None)).order_by(model.id).with_for_update()
        for item in (await session.execute(query)).scalars().all():
            before = item.step_due_at
            if (due := recount_step(item, working)) is None:
                continue
            change = {
                "step": item.step,
                "from_step_due_at": to_shanghai(before).isoformat(),
                "to_step_due_at": to_shanghai(due.due_at).isoformat(),
                "provisional": due.provisional,
                **why,
            }
            if isinstance(item, Reward):
                item.claim_due_at = due.due_at
                case = await session.get(TipOff, item.tip_off_id, with_for_update=True)
                record_change(session, case, "reward_recount_step", actor, at, {"reward_id": item.id, **change})
            else:
                item.updated_at = at
                record_change(session, item, "recount_step", actor, at, change)


# ------------------------------------------------------------------------------------------ workers


async def route_pending(session: AsyncSession, runtime: Runtime, now: datetime) -> None:
    """Sweep: routes tip-offs received while the register could not be asked."""
    query = select(TipOff).where(TipOff.lead_department_id.is_(None), TipOff.state == "received")
    for tip_off in (await session.execute(query.limit(100).with_for_update(skip_locked=True))).scalars().all():
        if not await routing.route(session, runtime, tip_off):
            return  # still unreachable: the next sweep tries again
        if tip_off.lead_department_id is not None:
            tip_off.updated_at = now
            service = Principal(subject=f"service:{runtime.service.name}")
            record_change(session, tip_off, "route", service, now, {"routed_to": tip_off.lead_department})
