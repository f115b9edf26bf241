"""督办 acts as records (issue 20): 催办 (by hand, over chosen or selected items, or by the
reminder ladder), 通报 and 函告 (numbered, naming regions, departments and enterprises), and 约谈
(scheduled, held, its commitments deadlines with reminders). Each is sent to its parties' inboxes,
logged in the delivery log of every item it names and put on those items' trails by their owners
(``SupervisionRecorded``). Authority: an act is issued by an office — the caller's 安委办, or
their department, which acts only on what it supervises — about what lies in its jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from notify.calendar import HolidayArrangement
from notify.deadlines import service as deadlines
from notify.deadlines.models import TrackedDeadline
from notify.deliveries.models import Delivery
from notify.deliveries.service import recipients
from notify.inbox.models import InboxEntry
from notify.inbox.service import recipients_of
from notify.outgoing import service as outgoing
from notify.reminders import service as reminders
from notify.reminders.models import Reminder
from notify.supervision import documents, schemas
from notify.supervision.lifecycle import HOLD_WITHIN, SUPERVISION_LIFECYCLE
from notify.supervision.models import Commitment, SupervisionAct, SupervisionAudit, SupervisionParty
from notify.supervision.schemas import KIND_TITLES, ActKind, ItemRef, PartyKind, PartyWrite, SupervisedItems
from qingling import audit
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import WorkingCalendar
from qingling.clock import SHANGHAI
from qingling.documents import IssuedDocument
from qingling.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from qingling.holidays import working_calendar
from qingling.lifecycle import Runner, Step, recount_step, start_step
from qingling.outbox import emit
from qingling.pagination import PageParams, fetch_page
from qingling.regions import parent
from qingling.supervision_events import SupervisedItem, SupervisionRecorded

SYSTEM = Principal(subject="service:notify", name="提醒方案")  # the ladder issues on an item's behalf
MAX_ITEMS = 500
OFFICE_ROLES = (Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE, Role.ADMIN)


class ActNotFound(NotFound):
    code, title = "supervision-act-not-found", "督办记录不存在或不在您的管辖范围内"


class NotAnOffice(Forbidden):
    code, title = "not-an-issuing-office", "督办须以安委办或监管部门的名义发出"


class ItemsNotFound(NotFound):
    code, title = "supervision-items-not-found", "有事项不存在，或不在您督办的范围内"


class NothingSelected(ValidationFailed):
    code, title = "nothing-selected", "按所选条件没有需要督办的事项"


class TooManySelected(ValidationFailed):
    code, title = "too-many-selected", "所选事项过多，请缩小地区或条件"


class PartyOutsideJurisdiction(Forbidden):
    code, title = "party-outside-jurisdiction", "只能对本辖区（部门：本行业）的地区、部门和企业督办"


class NotAParty(Forbidden):
    code, title = "not-a-party", "您不是该督办的对象，不能回复"


class AlreadyReplied(Conflict):
    code, title = "already-replied", "已经回复过"


class IssuerNameRequired(ValidationFailed):
    code, title = "issuer-name-required", "请填写约谈机关名称"


class IntervieweeRequired(ValidationFailed):
    code, title = "interviewee-required", "请写明被约谈方"


class CommitmentNotFound(NotFound):
    code, title = "commitment-not-found", "承诺事项不存在或不在您的管辖范围内"


class CommitmentFulfilled(Conflict):
    code, title = "commitment-fulfilled", "该承诺已确认完成"


# ------------------------------------------------------------------------------------- offices


@dataclass(frozen=True)
class Office:
    """Who issues: a level's 安委办, or a department (its place and kind)."""

    address: str
    region_code: str
    department: str | None
    name: str


def office_of(caller: Principal, name: str | None = None) -> Office:
    region = caller.region_code
    if region and caller.has(Role.SAFETY_COMMITTEE):
        return Office(f"committee:{region}", region, None, name or f"安委办（{region}）")
    if region and caller.department and caller.has(Role.REGULATOR, Role.DEPARTMENT_LEADER):
        address = f"department:{region}:{caller.department}"
        return Office(address, region, caller.department, name or f"{caller.department} 部门（{region}）")
    raise NotAnOffice("督办须以本级安委办或本部门的名义发出：您的账号没有地区或部门")


def _acts_for(office: Office, caller: Principal, item: TrackedDeadline) -> bool:
    """An office supervises what lies in its jurisdiction; a department only its own kind's."""
    in_reach = item.item_type in ("hazard", "tip_off", "return") and caller.covers(item.region_code)
    return in_reach and (office.department is None or item.supervising_kind == office.department)


def _check_parties(office: Office, caller: Principal, parties: list[PartyWrite], field: str) -> None:
    """Parties lie in the issuer's jurisdiction; a department names enterprises and departments of
    its own kind, not governments."""
    errors = [
        FieldError(location="body", field=f"/{field}/{index}", message=f"{party.region_code} 不在您的辖区内")
        for index, party in enumerate(parties)
        if not caller.covers(party.region_code)
        or (office.department is not None and party.kind is PartyKind.REGION)
        or (
            office.department is not None
            and party.kind is PartyKind.DEPARTMENT
            and party.department != office.department
        )
    ]
    if errors:
        raise PartyOutsideJurisdiction(errors=errors)


# --------------------------------------------------------------------------------------- items


async def _items(
    session: AsyncSession, office: Office, caller: Principal, refs: list[ItemRef], field: str = "items"
) -> list[TrackedDeadline]:
    """The items named, each one the office may act on; else 404 naming every one it may not."""
    keys = {(ref.item_type, ref.item_id) for ref in refs}
    query = select(TrackedDeadline).where(TrackedDeadline.item_id.in_({ref.item_id for ref in refs}))
    found = {
        (i.item_type, i.item_id): i
        for i in (await session.execute(query)).scalars()
        if (i.item_type, i.item_id) in keys
    }
    errors = [
        FieldError(
            location="body", field=f"/{field}/{index}", message=f"{ref.item_type} {ref.item_id} 不存在或不归您督办"
        )
        for index, ref in enumerate(refs)
        if (item := found.get((ref.item_type, ref.item_id))) is None or not _acts_for(office, caller, item)
    ]  # fmt: skip
    if errors:
        raise ItemsNotFound(errors=errors)
    return [found[(ref.item_type, ref.item_id)] for ref in dict.fromkeys(refs)]


async def _selected(
    session: AsyncSession, office: Office, caller: Principal, selection: schemas.Selection, now: datetime
) -> list[TrackedDeadline]:
    query = select(TrackedDeadline).where(
        TrackedDeadline.item_type == selection.item_type,
        TrackedDeadline.region_code.startswith(selection.region_prefix),
        TrackedDeadline.region_code.startswith(caller.jurisdiction or "-"),
        ~TrackedDeadline.closed,
        TrackedDeadline.deadline_at < now,
    )
    if office.department is not None:
        query = query.where(TrackedDeadline.supervising_kind == office.department)
    if selection.grade is not None:
        query = query.where(TrackedDeadline.grade == selection.grade)
    items = list((await session.execute(query.order_by(TrackedDeadline.deadline_at).limit(MAX_ITEMS + 1))).scalars())
    if not items:
        raise NothingSelected(f"{selection.region_prefix} 没有您督办的已超期{_TYPE_TITLES[selection.item_type]}")
    if len(items) > MAX_ITEMS:
        raise TooManySelected(f"选出的事项超过 {MAX_ITEMS} 个，请按地区或等级分批催办")
    return items


_TYPE_TITLES = {"hazard": "隐患", "tip_off": "举报", "return": "报表"}
# Who answers for an item: a hazard's enterprise and supervising department; a tip-off's handling
# department only (the reported unit must never learn of it); a return's department.
_ANSWERS_FOR = {"hazard": ["enterprise", "supervising"], "tip_off": ["supervising"], "return": ["supervising"]}


def _item_parties(item: TrackedDeadline, audience: list[str]) -> list[SupervisionParty]:
    return [
        SupervisionParty(
            address=address,
            region_code=item.region_code,
            item_type=item.item_type,
            item_id=item.item_id,
            item_title=item.title,
            enterprise_code=item.enterprise_code if address.startswith("enterprise:") else None,
        )
        for address in recipients(item, audience)
    ]


def _named_parties(parties: list[PartyWrite]) -> list[SupervisionParty]:
    return [
        SupervisionParty(address=p.address, name=p.name, region_code=p.region_code, enterprise_code=p.enterprise_code)
        for p in dict.fromkeys(parties)
    ]


# ------------------------------------------------------------------------------------ issuing


async def issue_urge(
    session: AsyncSession, caller: Principal, body: schemas.UrgeCreate, now: datetime
) -> SupervisionAct:
    office = office_of(caller, body.issuer_name)
    items = await (_selected(session, office, caller, body.selection, now) if body.selection
                   else _items(session, office, caller, body.items))  # fmt: skip
    parties = [party for item in items for party in _item_parties(item, _ANSWERS_FOR[item.item_type])]
    what = _TYPE_TITLES[items[0].item_type] if len({i.item_type for i in items}) == 1 else "事项"
    title = f"关于{len(items)}项{what}的催办" if len(items) > 1 else f"关于“{items[0].title}”的催办"
    act = _act(office, ActKind.URGE, title[:100], body.text, caller, now, items=items, reply_by=body.reply_by)
    return await _issued(session, act, parties, caller, now)


async def issue_document(
    session: AsyncSession, caller: Principal, kind: ActKind, body: schemas.DocumentCreate, now: datetime
) -> SupervisionAct:
    """A 通报 or a 函告, numbered in its issuer's sequence of that kind and year."""
    office = office_of(caller, body.issuer_name)
    _check_parties(office, caller, body.parties, "parties")
    items = await _items(session, office, caller, body.items) if body.items else []
    parties = _named_parties(body.parties) + [
        p for item in items for p in _item_parties(item, _ANSWERS_FOR[item.item_type])
    ]
    act = _act(office, kind, body.title, body.text, caller, now, items=items, basis=body.basis, reply_by=body.reply_by)
    await _number(session, act, body.number_prefix, now)
    return await _issued(session, act, parties, caller, now)


async def issue_interview(
    session: AsyncSession, caller: Principal, body: schemas.InterviewCreate, now: datetime
) -> SupervisionAct:
    """A 约谈 made and scheduled at once (the ladder's are made to be scheduled later)."""
    office = office_of(caller, body.issuer_name)
    _check_parties(office, caller, [body.interviewee], "interviewee")
    items = await _items(session, office, caller, body.items) if body.items else []
    title = body.title or f"约谈{body.interviewee.name or '被约谈方'}"
    act = _act(office, ActKind.INTERVIEW, title[:100], "；".join(body.issues), caller, now, items=items,
               state="to_schedule")  # fmt: skip
    session.add(act)
    await session.flush()
    named = _named_parties([body.interviewee]) + [p for i in items for p in _item_parties(i, ["enterprise"])]
    _add_parties(session, act, named)
    record_change(session, act, "issue", caller, now, {"to": act.state})
    fields = set(schemas.InterviewSchedule.model_fields)
    schedule = schemas.InterviewSchedule.model_validate(body.model_dump(include=fields))
    return await RUNNER.fire(session, None, act, caller, "schedule", schedule, now)


def _act(office: Office, kind: ActKind, title: str, text: str, caller: Principal, now: datetime, *,
         items: list[TrackedDeadline] = (), state: str = "issued", basis: str | None = None, reply_by=None,
         automatic: bool = False) -> SupervisionAct:  # fmt: skip
    named = SupervisedItems([SupervisedItem(item_type=i.item_type, item_id=i.item_id) for i in items])
    return SupervisionAct(
        items=named,
        kind=kind, issuer=office.address, issuer_region_code=office.region_code, issuer_department=office.department,
        issuer_name=office.name, title=title, text=text, basis=basis, reply_by=reply_by, automatic=automatic,
        state=state, created_by=caller.subject, created_at=now, updated_at=now,
        closed_at=now if state in SUPERVISION_LIFECYCLE.final else None,
    )  # fmt: skip


async def _number(session: AsyncSession, act: SupervisionAct, prefix: str | None, now: datetime) -> None:
    """The next number of the issuer's documents of this kind this year. Two offices' numbers never
    meet; two clerks of one office issuing at once meet on the unique key, and the later one takes
    the next number (the first one's row is visible to it once committed)."""
    act.number_prefix, act.number_year = prefix, now.astimezone(SHANGHAI).year
    for _ in range(5):
        latest = await session.scalar(
            select(func.max(SupervisionAct.number_seq)).where(
                SupervisionAct.issuer == act.issuer, SupervisionAct.kind == act.kind,
                SupervisionAct.number_year == act.number_year,
            )
        )  # fmt: skip
        act.number_seq = (latest or 0) + 1
        try:
            async with session.begin_nested():
                session.add(act)
                await session.flush()
            return
        except IntegrityError:
            if act in session:
                session.expunge(act)
    raise Conflict("文号分配冲突，请重试")


def _add_parties(session: AsyncSession, act: SupervisionAct, parties: list[SupervisionParty]) -> None:
    seen: set[tuple] = set()
    for party in parties:
        key = (party.address, party.item_type, party.item_id)
        if key not in seen:
            seen.add(key)
            party.act_id = act.id
            session.add(party)


async def _issued(
    session: AsyncSession, act: SupervisionAct, parties: list[SupervisionParty], caller: Principal, now: datetime,
    *, deliver: bool = True,
) -> SupervisionAct:  # fmt: skip
    """The act recorded with its parties, sent to each (unless the ladder has already told them)
    and put on its own trail and on those of the items it names."""
    session.add(act)
    await session.flush()
    _add_parties(session, act, parties)
    await session.flush()
    if deliver:
        await _deliver(session, act, act.title, act.text, now)
    record_change(session, act, "issue", caller, now, {"to": act.state})
    return act


async def _deliver(session: AsyncSession, act: SupervisionAct, title: str, text: str, now: datetime) -> None:
    """One inbox message per party, and a line in the delivery log of each item it concerns."""
    parties = await _parties(session, act.id)
    kind_title = KIND_TITLES[ActKind(act.kind)]
    heading = f"{kind_title}：{title}"[:100]
    body = f"{act.issuer_name}{f'（{act.number}）' if act.number else ''}：{text}"[:4000]
    cause = f"supervision:{act.id}:{act.audit_seq + 1}"  # the trail entry it belongs to: once per change
    entries: dict[str, InboxEntry] = {}
    for party in parties:
        if party.address not in entries:
            entries[party.address] = InboxEntry(
                recipient=party.address, source=f"{cause}:{party.address}"[:100], item_type="supervision",
                item_id=act.id, kind=act.kind, title=heading, text=body, at=now, delivered_at=now,
            )  # fmt: skip
            session.add(entries[party.address])
    await session.flush()
    for party in parties:
        session.add(Delivery(
            item_type=party.item_type or "supervision", item_id=party.item_id or act.id, cause=cause[:50],
            step=act.kind, recipient=party.address, channel="inbox", template=f"supervision.{act.kind}",
            template_version=1, title=heading, text=body, provider_message_id=str(entries[party.address].id),
            status="delivered", attempted_at=now,
        ))  # fmt: skip
    # And to the parties' people by SMS or e-mail (a 约谈 at once, even at night).
    first = parties[0] if parties else None
    about = (first.item_type, first.item_id) if first and first.item_type and first.item_id else ("supervision", act.id)
    params = outgoing.sms_params({"title": title, "issuer": act.issuer_name, "kind": kind_title})
    notice = outgoing.Notice(f"supervision.{act.kind}", 1, heading, body, about[0], about[1], cause, act.kind, params)
    outgoing.to_places(session, notice, [address for address in entries if outgoing.is_place(address)], now)


async def _parties(session: AsyncSession, act_id: int) -> list[SupervisionParty]:
    query = select(SupervisionParty).where(SupervisionParty.act_id == act_id).order_by(SupervisionParty.id)
    return list((await session.execute(query)).scalars())


def record_change(
    session: AsyncSession, act: SupervisionAct, action: str, caller: Principal, now: datetime, payload: dict
) -> None:
    """Appends the change to the act's trail; its owners put it on the trail of each item named."""
    entry = audit.trail_entry(
        SupervisionAudit, act.id, act.head, action=action, actor=caller, at=now, payload=payload,
        reason=payload.get("reason"),
    )  # fmt: skip
    session.add(entry)
    act.audit_seq, act.audit_head = entry.seq, entry.hash
    if act.items.root:  # the owners of the records it names put it on their trails
        kind_title = KIND_TITLES[ActKind(act.kind)]
        number = f"（{act.number}）" if act.number else ""
        summary = f"{act.issuer_name}{ACTION_TITLES[action]}{kind_title}{number}：{act.title}"
        event = SupervisionRecorded(
            act_id=act.id, act_seq=entry.seq, action=action, kind=act.kind, kind_title=kind_title, number=act.number,
            issuer_name=act.issuer_name, actor=caller.subject, summary=summary[:300], items=act.items.root,
        )  # fmt: skip
        emit(session, event, subject=f"supervision/{act.id}", to=event.owners())


ACTION_TITLES = {"issue": "发出", "schedule": "安排", "hold": "记录", "cancel": "取消", "reply": "收到回复：",
                 "fulfil": "确认承诺完成：", "recount_step": "重新计算组织期限："}  # fmt: skip


# ------------------------------------------------------------------------------- the ladder


async def from_ladder(
    session: AsyncSession, reminder: Reminder, item: TrackedDeadline, kind: ActKind, now: datetime
) -> SupervisionAct:
    """The ladder's 催办, 通报 or 约谈 step as a record, issued by the body the rules name on the
    item's behalf: 催办 and 通报 by the lister's 安委办 (a return's: its 安委办; an unlisted
    item's: its supervising department), the 约谈 by the level above the lister — as one to be
    scheduled within ``HOLD_WITHIN``, on the board with reminders of its own. The step's message
    has gone out already (``deliveries.send_reminder``); the record names whom it went to."""
    parties = _item_parties(item, reminder.audience)
    lister = item.lister_region_code
    above = parent(lister) if lister else None
    if kind is ActKind.INTERVIEW and above:
        office = Office(f"committee:{above}", above, None, f"挂牌机关上一级安委办（{above}）")
    elif lister:
        office = Office(f"committee:{lister}", lister, None, f"安委办（{lister}）")
    else:
        region = item.supervising_region_code or item.region_code
        office = Office(f"department:{region}:{item.supervising_kind}", region, item.supervising_kind, "督办部门")
    title = f"{item.title}（{reminder.title}）"[:100]
    text = f"“{item.title}”超过期限，按提醒方案{reminder.title}。"
    state = "to_schedule" if kind is ActKind.INTERVIEW else "issued"
    act = _act(office, kind, title, text, SYSTEM, now, items=[item] if item.item_type in _ANSWERS_FOR else [],
               state=state, automatic=True)  # fmt: skip
    act.reminder_id = reminder.id
    if kind is ActKind.BULLETIN:
        await _number(session, act, None, now)
    if kind is ActKind.INTERVIEW:
        start_step(act, HOLD_WITHIN.what, HOLD_WITHIN.basis(now), await _calendar(session))
        if item.enterprise_code:  # the enterprise answering for the item, unless the scheduler names another
            interviewee = PartyWrite(kind=PartyKind.ENTERPRISE, region_code=item.region_code,
                                     enterprise_code=item.enterprise_code)  # fmt: skip
            act.interview = schemas.InterviewDetails(interviewee=interviewee)
    await _issued(session, act, parties, SYSTEM, now, deliver=False)
    await _track(session, act, now)
    return act


async def _track(session: AsyncSession, act: SupervisionAct, now: datetime) -> None:
    """A 约谈's own limit on the board, reminded to its issuer and the level above it."""
    if act.step_due_at is None and act.id is not None:
        exists = await session.scalar(select(func.count()).where(
            TrackedDeadline.item_type == "interview", TrackedDeadline.item_id == act.id))  # fmt: skip
        if not exists:
            return
    row = await deadlines.board_row(session, "interview", act.id, now)
    parties = await _parties(session, act.id)
    row.title = f"约谈：{act.title}"[:100]
    row.state, row.grade = act.state, ""
    row.region_code = next((p.region_code for p in parties if p.item_type), act.issuer_region_code)
    row.enterprise_code = ""  # the board's 约谈 is the offices' business until it is scheduled
    row.lister_region_code = act.issuer_region_code
    row.deadline_at = row.step_due_at = act.step_due_at
    row.deadline_provisional = act.step_provisional
    row.step = act.step
    row.closed = act.state in SUPERVISION_LIFECYCLE.final
    row.version += 1
    row.last_event_at = row.updated_at = now
    await reminders.schedule(session, row, now)


async def recount_steps(session: AsyncSession, why: str, now: datetime) -> int:
    """After a year's holiday arrangement is loaded or withdrawn: each 约谈 still to be held has its
    limit counted again from its basis; one that moved (or stopped being provisional) says so on its
    trail, and its board row and reminders follow. Returns how many."""
    calendar = await _calendar(session)
    query = select(SupervisionAct).where(SupervisionAct.step_due_at.is_not(None)).order_by(SupervisionAct.id)
    changed = 0
    for act in (await session.execute(query.with_for_update())).scalars():
        if (due := recount_step(act, calendar)) is None:
            continue
        change = {"step_due_at": due.due_at.isoformat(), "provisional": due.provisional, "reason": why}
        record_change(session, act, "recount_step", SYSTEM, now, change)
        await _track(session, act, now)
        changed += 1
    return changed


async def _calendar(session: AsyncSession) -> WorkingCalendar:
    return await working_calendar(session, HolidayArrangement)


# ------------------------------------------------------------------------------- the 约谈


def _is_issuer(act: SupervisionAct, caller: Principal) -> str | None:
    try:
        if office_of(caller).address == act.issuer:
            return None
    except NotAnOffice:
        pass
    return f"约谈由约谈机关{act.issuer_name}组织和记录"


async def _schedule(step: Step[SupervisionAct]) -> dict:
    act, data = step.item, step.payload
    interviewee = data.interviewee or (act.interview.interviewee if act.interview else None)
    if interviewee is None:
        raise IntervieweeRequired("请在 interviewee 中写明被约谈的企业、部门或下级政府")
    if data.issuer_name is None and act.automatic and act.state == "to_schedule":
        raise IssuerNameRequired("提醒方案生成的约谈，安排时须填写约谈机关名称（issuer_name）")
    _check_parties(office_of(step.caller), step.caller, [interviewee], "interviewee")
    if data.issuer_name:
        act.issuer_name = data.issuer_name
    act.interview = schemas.InterviewDetails(
        interviewee=interviewee, scheduled_for=data.scheduled_for, place=data.place, interviewers=data.interviewers,
        interviewees=data.interviewees, issues=data.issues,
    )  # fmt: skip
    if interviewee.address not in {p.address for p in await _parties(step.session, act.id)}:
        _add_parties(step.session, act, _named_parties([interviewee]))
        await step.session.flush()
    when = data.scheduled_for.astimezone(SHANGHAI)
    text = (f"定于 {when:%Y年%m月%d日 %H:%M} 在{data.place}约谈{'、'.join(p.name for p in data.interviewees)}，"
            f"请准时参加。约谈事项：{'；'.join(data.issues)}")  # fmt: skip
    await _deliver(step.session, act, f"约谈通知：{act.title}", text, step.now)
    return {"interviewee": interviewee.address}


async def _hold(step: Step[SupervisionAct]) -> dict:
    act, data = step.item, step.payload
    act.interview = act.interview.model_copy(update={
        "held_at": data.held_at, "interviewers": data.interviewers, "interviewees": data.interviewees,
        "issues": data.issues, "minutes": data.minutes,
    })  # fmt: skip
    interviewee = act.interview.interviewee
    for seq, promised in enumerate(data.commitments, start=1):
        deadline = datetime.combine(promised.due_on, time(23, 59, 59), tzinfo=SHANGHAI).astimezone(UTC)
        commitment = Commitment(act_id=act.id, seq=seq, content=promised.content, due_on=promised.due_on,
                                deadline_at=deadline)  # fmt: skip
        step.session.add(commitment)
        await step.session.flush()
        await _track_commitment(step.session, act, commitment, interviewee, step.now)
    promised = "；".join(f"{c.content}（{c.due_on:%Y年%m月%d日}前）" for c in data.commitments) or "无"
    await _deliver(step.session, act, f"约谈记录：{act.title}", f"约谈已举行。承诺事项：{promised}", step.now)
    return {"commitments": len(data.commitments)}


async def _cancel(step: Step[SupervisionAct]) -> None:
    await _deliver(step.session, step.item, f"约谈取消：{step.item.title}", step.payload.reason, step.now)


async def _track_commitment(
    session: AsyncSession, act: SupervisionAct, commitment: Commitment, interviewee: PartyWrite, now: datetime
) -> None:
    """A commitment on the board: the enterprise (or department) interviewed is reminded before it
    falls due and urged after, with the interviewing office."""
    row = await deadlines.board_row(session, "commitment", commitment.id, now)
    row.title = f"约谈承诺：{commitment.content}"[:100]
    row.state, row.grade, row.region_code = "open", "", interviewee.region_code
    row.enterprise_code = interviewee.enterprise_code or ""
    if interviewee.kind is PartyKind.DEPARTMENT:
        row.supervising_region_code, row.supervising_kind = interviewee.region_code, interviewee.department
    elif act.issuer_department:
        row.supervising_region_code, row.supervising_kind = act.issuer_region_code, act.issuer_department
    row.lister_region_code = act.issuer_region_code if act.issuer_department is None else None
    row.deadline_at = commitment.deadline_at
    row.closed = commitment.fulfilled_at is not None
    row.version += 1
    row.last_event_at = row.updated_at = now
    await reminders.schedule(session, row, now)


async def _after(step: Step[SupervisionAct], before: str) -> None:
    await _track(step.session, step.item, step.now)


RUNNER: Runner[SupervisionAct] = Runner(
    SUPERVISION_LIFECYCLE,
    effects={"schedule": _schedule, "hold": _hold, "cancel": _cancel},
    authorities={"issuer": _is_issuer},
    record=record_change,
    calendar=_calendar,
    keeps_step=frozenset({"scheduled"}),
    after=_after,
)


async def act_on(
    session: AsyncSession, caller: Principal, act_id: int, action: str, payload, now: datetime
) -> SupervisionAct:
    act = await visible(session, caller, act_id, for_update=True)
    return await RUNNER.fire(session, None, act, caller, action, payload, now)


# ------------------------------------------------------------------------- replies, commitments


async def reply(
    session: AsyncSession, caller: Principal, act_id: int, body: schemas.ReplyWrite, now: datetime
) -> SupervisionAct:
    """A party answers (a 催办, a 函告 …): on its own rows, for one item or all of them."""
    act = await visible(session, caller, act_id, for_update=True)
    mine = set(recipients_of(caller, None))
    rows = [
        p for p in await _parties(session, act.id)
        if p.address in mine and (body.item is None or (p.item_type, p.item_id) == (body.item.item_type, body.item.item_id))  # noqa: E501
    ]  # fmt: skip
    if not rows:
        raise NotAParty("只有被督办的企业或部门可以回复，且只能回复涉及本方的事项")
    if all(p.replied_at is not None for p in rows):
        raise AlreadyReplied(f"已于 {rows[0].replied_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 回复")
    for party in rows:
        if party.replied_at is None:
            party.reply, party.replied_by, party.replied_at = body.text, caller.subject, now
    session.add(InboxEntry(
        recipient=act.issuer, source=f"supervision_reply:{rows[0].id}", item_type="supervision", item_id=act.id,
        kind="reply", title=f"回复：{act.title}"[:100], text=body.text, at=now, delivered_at=now,
    ))  # fmt: skip
    record_change(session, act, "reply", caller, now, {"parties": sorted({p.address for p in rows}), "text": body.text})
    return act


async def fulfil(
    session: AsyncSession, caller: Principal, commitment_id: int, body: schemas.Fulfilment, now: datetime
) -> SupervisionAct:
    """The interviewing office confirms a commitment kept: its deadline leaves the board."""
    commitment = await session.get(Commitment, commitment_id, with_for_update=True)
    if commitment is None:
        raise CommitmentNotFound()
    try:
        act = await visible(session, caller, commitment.act_id, for_update=True)
    except ActNotFound:
        raise CommitmentNotFound() from None
    if (why := _is_issuer(act, caller)) is not None:
        raise NotAParty(why.replace("组织和记录", "确认承诺完成"))
    if commitment.fulfilled_at is not None:
        raise CommitmentFulfilled()
    commitment.fulfilled_at, commitment.fulfilled_by, commitment.fulfilment = now, caller.subject, body.note
    row = await deadlines.board_row(session, "commitment", commitment.id, now)
    row.closed, row.state, row.updated_at = True, "fulfilled", now
    await reminders.schedule(session, row, now)
    record_change(session, act, "fulfil", caller, now, {"commitment": commitment.seq, "note": body.note})
    return act


# ------------------------------------------------------------------------------------ reading


def _visible_where(caller: Principal):
    """Staff see the acts of, or naming, their jurisdiction; an enterprise those naming it."""
    if caller.has(Role.SERVICE):
        return true()
    clauses = []
    if caller.jurisdiction is not None and caller.has(*OFFICE_ROLES):
        named = select(SupervisionParty.act_id).where(SupervisionParty.region_code.startswith(caller.jurisdiction))
        clauses += [SupervisionAct.issuer_region_code.startswith(caller.jurisdiction), SupervisionAct.id.in_(named)]
    if caller.enterprise_code and caller.has(Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_CLIENT):
        own = select(SupervisionParty.act_id).where(SupervisionParty.enterprise_code == caller.enterprise_code)
        clauses.append(SupervisionAct.id.in_(own))
    return or_(*clauses) if clauses else false()


async def visible(session: AsyncSession, caller: Principal, act_id: int, *, for_update: bool = False) -> SupervisionAct:
    query = select(SupervisionAct).where(SupervisionAct.id == act_id, _visible_where(caller))
    act = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if act is None:
        raise ActNotFound()
    return act


async def page(
    session: AsyncSession, caller: Principal, params: PageParams, *, kind: ActKind | None, state: str | None,
    item: ItemRef | None,
):  # fmt: skip
    query = select(SupervisionAct).where(_visible_where(caller))
    if kind is not None:
        query = query.where(SupervisionAct.kind == kind)
    if state is not None:
        query = query.where(SupervisionAct.state == state)
    if item is not None:
        naming = select(SupervisionParty.act_id).where(
            SupervisionParty.item_type == item.item_type, SupervisionParty.item_id == item.item_id)  # fmt: skip
        query = query.where(SupervisionAct.id.in_(naming))
    return await fetch_page(session, query, SupervisionAct.id, params)


async def to_read(session: AsyncSession, act: SupervisionAct, caller: Principal) -> schemas.ActRead:
    return (await to_reads(session, [act], caller))[0]


async def to_reads(session: AsyncSession, acts: list[SupervisionAct], caller: Principal) -> list[schemas.ActRead]:
    """The acts as read, their parties and commitments loaded in one query each for the page."""
    ids = [act.id for act in acts]
    parties: dict[int, list[SupervisionParty]] = {i: [] for i in ids}
    for party in (await session.execute(select(SupervisionParty).where(SupervisionParty.act_id.in_(ids))
                                        .order_by(SupervisionParty.id))).scalars():  # fmt: skip
        if caller.has(Role.SERVICE, *OFFICE_ROLES) or party.enterprise_code == (caller.enterprise_code or "-"):
            parties[party.act_id].append(party)  # an enterprise sees what concerns it, no other
    commitments: dict[int, list[Commitment]] = {i: [] for i in ids}
    query = select(Commitment).where(Commitment.act_id.in_(ids)).order_by(Commitment.seq)
    for commitment in (await session.execute(query)).scalars():
        commitments[commitment.act_id].append(commitment)
    return [_read(act, parties[act.id], commitments[act.id], caller) for act in acts]


def _read(
    act: SupervisionAct, parties: list[SupervisionParty], commitments: list[Commitment], caller: Principal
) -> schemas.ActRead:
    return schemas.ActRead.model_validate({
        **act.model_dump(), "kind_title": KIND_TITLES[ActKind(act.kind)], "number": act.number,
        "state_title": SUPERVISION_LIFECYCLE.states[act.state], "interview": act.interview,
        "step_provisional": act.step_provisional,
        "parties": [schemas.PartyRead.model_validate(p) for p in parties],
        "commitments": [schemas.CommitmentRead.model_validate(c) for c in commitments],
        "allowed_actions": RUNNER.allowed_for(act, caller),
    })  # fmt: skip


async def document(session: AsyncSession, caller: Principal, act_id: int) -> IssuedDocument:
    """The act as an official document, for whoever may see it — an enterprise its own part only."""
    act = await visible(session, caller, act_id)
    read = await to_read(session, act, caller)
    shown = {(p.address, p.item_type, p.item_id) for p in read.parties}
    parties = [p for p in await _parties(session, act.id) if (p.address, p.item_type, p.item_id) in shown]
    query = select(Commitment).where(Commitment.act_id == act.id).order_by(Commitment.seq)
    return documents.document_of(act, parties, list((await session.execute(query)).scalars()))


async def trail(session: AsyncSession, caller: Principal, act_id: int) -> list[SupervisionAudit]:
    act = await visible(session, caller, act_id)
    return await audit.trail(session, SupervisionAudit, act.id)
