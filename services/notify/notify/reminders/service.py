"""The reminder ladder (domain.md §4): warnings before a deadline, 催办 the working day after it,
通报 five working days after, 约谈 fifteen — each to its audience, as data per item type, grade
and region. Plans are scheduled from the item's events and sent by a sweep that claims due rows
with ``FOR UPDATE SKIP LOCKED``: any number of worker processes share them, and a row is sent in
the same transaction that marks it sent, so a worker killed mid-batch leaves it pending."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify import regional
from notify.calendar import HolidayArrangement
from notify.deadlines.models import TrackedDeadline
from notify.deliveries import service as deliveries
from notify.reminders import schemas
from notify.reminders.models import Reminder, ReminderPlan
from notify.supervision import service as supervision
from notify.supervision.schemas import ActKind
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.bulk import insert_rows
from qingling.calendar import Unit, WorkingCalendar
from qingling.clock import SHANGHAI
from qingling.errors import Forbidden, NotFound
from qingling.holidays import working_calendar
from qingling.runtime import Runtime
from qingling.sweeps import Batch

FIRE_AT = time(9, 0)  # a reminder goes out at 09:00 Asia/Shanghai on its day


def _step(
    key: str, title: str, offset: int, unit: Unit, audience: list[str], template: str, act: ActKind | None = None
) -> dict:
    return {"key": key, "title": title, "offset": offset, "unit": unit, "audience": audience, "template": template,
            "act": act}  # fmt: skip


_WARNINGS = [
    _step(f"warn_{days}", "预警", -days, Unit.CALENDAR_DAYS, ["enterprise", "supervising"], "hazard.warning")
    for days in (15, 7, 3)
]
_URGE = _step(
    "urge", "催办", 1, Unit.WORKING_DAYS, ["enterprise", "supervising", "lister"], "hazard.urge", ActKind.URGE
)
DEFAULT_PLANS = {
    ("hazard", "major"): [
        *_WARNINGS,
        _URGE,
        _step(
            "bulletin",
            "通报",
            5,
            Unit.WORKING_DAYS,
            ["lister", "supervising", "enterprise"],
            "hazard.bulletin",
            ActKind.BULLETIN,
        ),
        # The 约谈 step opens a 约谈 to be scheduled by the level above the lister (issue 20).
        _step(
            "interview",
            "约谈",
            15,
            Unit.WORKING_DAYS,
            ["above_lister", "lister"],
            "hazard.interview",
            ActKind.INTERVIEW,
        ),
    ],
    ("hazard", "general"): [_WARNINGS[-1], _URGE],
    # A tip-off's current limit (受理决定, 核查, 答复, 复查), for the department handling it only:
    # the reported enterprise must never learn of a tip-off.
    ("tip_off", ""): [
        _step("warn_1", "预警", -1, Unit.CALENDAR_DAYS, ["supervising"], "tip_off.warning"),
        _step("urge", "催办", 1, Unit.WORKING_DAYS, ["supervising"], "tip_off.urge", ActKind.URGE),
    ],
    # A department's return (周报、月报、季报、年报) not submitted by its deadline: 催办 to the
    # department the working day after. The 安委办 it reports to follows who is late on its own
    # overview (GET /api/v1/hazards/returns/overview) and issues the 通报 itself.
    ("return", ""): [_step("urge", "催办", 1, Unit.WORKING_DAYS, ["supervising"], "return.urge", ActKind.URGE)],
    # A 约谈 the ladder opened and nobody has held in time (issue 20): its issuer is reminded, then
    # the level above it told.
    ("interview", ""): [
        _step("warn_3", "预警", -3, Unit.CALENDAR_DAYS, ["lister"], "interview.warning"),
        _step("urge", "催办", 1, Unit.WORKING_DAYS, ["lister", "above_lister"], "interview.urge"),
    ],
    # What the party interviewed promised, by its date: to it, its department and the interviewer.
    ("commitment", ""): [
        _step("warn_3", "预警", -3, Unit.CALENDAR_DAYS, ["enterprise", "supervising"], "commitment.warning"),
        _step("urge", "催办", 1, Unit.WORKING_DAYS, ["enterprise", "supervising", "lister"], "commitment.urge"),
    ],
}


class PlanRegionNotFound(NotFound):
    code, title = "plan-region-not-found", "该地区不存在或不在您的管辖范围内"


class PlanOutsideJurisdiction(Forbidden):
    code, title = "plan-outside-jurisdiction", "只能为本辖区制定提醒方案"


async def seed(session: AsyncSession, now: datetime) -> None:
    """The release's ladders as the national default: added when new, and again as a new version
    when the newest national one differs (as the templates are)."""
    for (item_type, grade), steps in DEFAULT_PLANS.items():
        latest = await _latest(session, item_type, grade, regional.NATIONAL)
        steps = [schemas.PlanStep.model_validate(step).model_dump(mode="json") for step in steps]
        if latest is None or latest.steps != steps:
            version = (latest.version if latest else 0) + 1
            session.add(ReminderPlan(item_type=item_type, grade=grade, region_code=regional.NATIONAL, version=version,
                                     steps=steps, created_by="built-in", created_at=now))  # fmt: skip


async def _latest(session: AsyncSession, item_type: str, grade: str, region_code: str) -> ReminderPlan | None:
    query = (
        select(ReminderPlan)
        .where(
            ReminderPlan.item_type == item_type, ReminderPlan.grade == grade, ReminderPlan.region_code == region_code
        )
        .order_by(ReminderPlan.version.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def plans(session: AsyncSession, caller: Principal) -> list[ReminderPlan]:
    """Every version of the plans the caller may see (``regional.visible_to``)."""
    query = select(ReminderPlan).where(regional.visible_to(caller, ReminderPlan.region_code))
    query = query.order_by(ReminderPlan.item_type, ReminderPlan.grade, ReminderPlan.region_code, ReminderPlan.version)
    return list((await session.execute(query)).scalars())


Which = tuple[str, str, str]  # what a plan is for: item type, grade, the item's region


async def plans_for(session: AsyncSession, wanted: Iterable[Which]) -> dict[Which, ReminderPlan | None]:
    """For each (item type, grade, region): the latest plan of the most local region containing
    the region — the versions of every region on the way read in one query per item type and
    grade, however many places (the tip-offs of fifty enterprises are in fifty towns)."""
    wanted = set(wanted)
    found: dict[Which, ReminderPlan | None] = {}
    for item_type, grade in {(item_type, grade) for item_type, grade, _ in wanted}:
        places = {region for t, g, region in wanted if (t, g) == (item_type, grade)}
        regions = {code for place in places for code in regional.lineage(place)}
        query = select(ReminderPlan).where(
            ReminderPlan.item_type == item_type, ReminderPlan.grade == grade, ReminderPlan.region_code.in_(regions)
        )
        versions = list((await session.execute(query)).scalars())
        found |= {(item_type, grade, place): regional.pick(versions, place) for place in places}
    return found


async def write_plan(
    session: AsyncSession, caller: Principal, item_type: str, grade: str, region_code: str,
    body: schemas.PlanWrite, now: datetime,
) -> ReminderPlan:  # fmt: skip
    """A new version of a region's plan; items already scheduled keep theirs until their deadline moves.
    The national default (no region) changes only with a release."""
    if region_code == regional.NATIONAL or not caller.has(Role.ADMIN):
        raise PlanOutsideJurisdiction(f"您只能为 {caller.region_code} 及其下级地区制定提醒方案")
    if not caller.covers(region_code):  # another region's plan is not there for this caller
        raise PlanRegionNotFound(f"{region_code} 不存在或不在您的管辖范围（{caller.region_code}）内")
    latest = await _latest(session, item_type, grade, region_code)
    plan = ReminderPlan(
        item_type=item_type, grade=grade, region_code=region_code, version=(latest.version if latest else 0) + 1,
        steps=[step.model_dump(mode="json") for step in body.steps], created_by=caller.subject, created_at=now,
    )  # fmt: skip
    session.add(plan)
    await session.flush()
    return plan


def due_at(calendar: WorkingCalendar, deadline_at: datetime, step: dict) -> tuple[datetime, bool]:
    """When a step goes out, and whether that is provisional: a 工作日 step counted through a year
    whose holiday notice is not loaded (its statutory days and weekends only)."""
    deadline_day = deadline_at.astimezone(SHANGHAI).date()
    provisional = False
    if step["unit"] == Unit.WORKING_DAYS:
        day, provisional = calendar.add_working_days(deadline_day, step["offset"])
    else:
        day = deadline_day + timedelta(days=step["offset"])
    return datetime.combine(day, FIRE_AT, tzinfo=SHANGHAI).astimezone(UTC), provisional


async def schedule(session: AsyncSession, item: TrackedDeadline, now: datetime) -> None:
    """Brings an item's reminders in line with its deadline: steps for a superseded deadline, or of
    a closed item, are cancelled; the plan's steps for the deadline in force are planned once."""
    await schedule_many(session, [(item, now)])


async def schedule_many(session: AsyncSession, items: list[tuple[TrackedDeadline, datetime]]) -> None:
    """``schedule`` for many items (each at its own "now") at once — a bulk self-report's thousand
    hazards: their reminders read in one query, each plan and the calendar looked up once. An item
    may appear once only."""
    if not items:
        return
    existing: dict[tuple[str, int], list[Reminder]] = {(item.item_type, item.item_id): [] for item, _ in items}
    for item_type in {item.item_type for item, _ in items}:
        ids = sorted({item.item_id for item, _ in items if item.item_type == item_type})
        for start in range(0, len(ids), 900):  # under SQLite's limit on bound parameters
            chunk = ids[start : start + 900]
            query = select(Reminder).where(Reminder.item_type == item_type, Reminder.item_id.in_(chunk))
            for reminder in (await session.execute(query.with_for_update())).scalars():
                existing[reminder.item_type, reminder.item_id].append(reminder)
    live = [item for item, _ in items if not item.closed and item.deadline_at is not None]
    plans = await plans_for(session, {(item.item_type, item.grade, item.region_code) for item in live})
    calendar: WorkingCalendar | None = None
    new: list[dict] = []  # the steps planned now, written together as rows
    for item, now in items:
        known = existing[item.item_type, item.item_id]
        for reminder in known:
            if reminder.state == "pending" and (item.closed or reminder.deadline_at != item.deadline_at):
                reminder.state, reminder.cancelled_at = "cancelled", now
        if item.closed or item.deadline_at is None:
            continue
        if (plan := plans[item.item_type, item.grade, item.region_code]) is None:
            continue
        planned = {r.step for r in known if r.deadline_at == item.deadline_at}
        calendar = calendar or await working_calendar(session, HolidayArrangement)
        for step in plan.steps:
            due, provisional = due_at(calendar, item.deadline_at, step)
            if step["key"] in planned or (step["offset"] < 0 and due <= now):  # no late warnings
                continue
            new.append(dict(
                item_type=item.item_type, item_id=item.item_id, step=step["key"], title=step["title"],
                deadline_at=item.deadline_at, due_at=due, audience=step["audience"], template=step["template"],
                plan_id=plan.id, state="pending", provisional=provisional or item.deadline_provisional,
                replanned_from=None, replanned_at=None, note=None, sent_at=None, cancelled_at=None,
            ))  # fmt: skip
    await insert_rows(session, Reminder, new)  # a bulk self-report's thousand hazards plan five thousand


async def replan(session: AsyncSession, year: int, why: str, now: datetime) -> int:
    """After the holiday arrangement of ``year`` is loaded, replaced or removed: every pending
    step that falls in that year or later is counted again from its deadline with the calendar
    now in force, and one that moves (or stops being provisional) says so on its record. A step
    whose deadline itself moves is re-planned by the item's own event instead. Returns how many."""
    from_year = datetime(year, 1, 1, tzinfo=SHANGHAI)
    query = select(Reminder).where(Reminder.state == "pending", Reminder.due_at >= from_year)
    pending = list((await session.execute(query.order_by(Reminder.id).with_for_update())).scalars())
    if not pending:
        return 0
    calendar = await working_calendar(session, HolidayArrangement)
    plans = {p.id: p for p in (await session.execute(select(ReminderPlan).where(
        ReminderPlan.id.in_({r.plan_id for r in pending})))).scalars()}  # fmt: skip
    items = {(i.item_type, i.item_id): i for i in (await session.execute(select(TrackedDeadline).where(
        TrackedDeadline.item_id.in_({r.item_id for r in pending})))).scalars()}  # fmt: skip
    changed = 0
    for reminder in pending:
        step = next((s for s in plans[reminder.plan_id].steps if s["key"] == reminder.step), None)
        item = items.get((reminder.item_type, reminder.item_id))
        if step is None:
            continue
        due, provisional = due_at(calendar, reminder.deadline_at, step)
        provisional = provisional or bool(
            item and item.deadline_provisional and item.deadline_at == reminder.deadline_at
        )
        if (due, provisional) == (reminder.due_at, reminder.provisional):
            continue
        before = reminder.due_at.astimezone(SHANGHAI)
        reminder.note = (
            f"{why}：发送时间由 {before:%Y-%m-%d %H:%M} 改为 {due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
            if due != reminder.due_at
            else f"{why}：发送时间不变，不再暂定"
            if not provisional
            else f"{why}：发送时间不变，仍为暂定"
        )[:300]
        reminder.replanned_from, reminder.replanned_at = reminder.due_at, now
        reminder.due_at, reminder.provisional = due, provisional
        changed += 1
    return changed


BATCH = 200  # reminders a sweep pass claims


def due_reminders(now: datetime, limit: int = BATCH) -> Select:
    """The next pending reminders due, oldest first, claimed (``SKIP LOCKED``: another worker takes others)."""
    return (
        select(Reminder)
        .where(Reminder.state == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def send_due(session: AsyncSession, runtime: Runtime, now: datetime) -> Batch:
    """Sweep: sends the reminders that have fallen due, each in its claiming transaction; a full
    batch runs the next pass at once. The items, wordings and systems are looked up once per
    pass, the messages written together."""
    claimed = list((await session.execute(due_reminders(now))).scalars())
    if not claimed:
        return Batch(0, BATCH)
    query = select(TrackedDeadline).where(TrackedDeadline.item_id.in_({r.item_id for r in claimed}))
    items = {(i.item_type, i.item_id): i for i in (await session.execute(query)).scalars()}
    plans: dict[int, ReminderPlan | None] = {}
    sending = deliveries.Sending()
    await sending.look_up(session, [item.enterprise_code for item in items.values()])
    for reminder in claimed:
        item = items.get((reminder.item_type, reminder.item_id))
        if item is None or item.closed or item.deadline_at != reminder.deadline_at:
            reminder.state, reminder.cancelled_at = "cancelled", now  # superseded after it was planned
            continue
        if await deliveries.send_reminder(session, reminder, item, now, sending):
            reminder.state, reminder.sent_at = "sent", now
            if (act := await _act_of(session, plans, reminder)) is not None:
                await supervision.from_ladder(session, reminder, item, act, now)
        else:  # nobody to tell: an error for the region's admins and 安委办, never "sent"
            reminder.state, reminder.note = "failed", deliveries.NOBODY
    await sending.finish(session)
    return Batch(len(claimed), BATCH)


async def _act_of(session: AsyncSession, plans: dict[int, ReminderPlan | None], reminder: Reminder) -> ActKind | None:
    """The 督办 act a reminder's step makes (its plan's step, read typed)."""
    if reminder.plan_id not in plans:
        plans[reminder.plan_id] = await session.get(ReminderPlan, reminder.plan_id)
    plan = plans[reminder.plan_id]
    step = next((s for s in plan.steps if s["key"] == reminder.step), None) if plan else None
    return schemas.PlanStep.model_validate(step).act if step else None


async def of_item(session: AsyncSession, item_type: str, item_id: int) -> list[Reminder]:
    query = select(Reminder).where(Reminder.item_type == item_type, Reminder.item_id == item_id)
    return list((await session.execute(query.order_by(Reminder.due_at, Reminder.id))).scalars())
