"""Rewards for true tip-offs (举报奖励): assessed under the reward rules in force for the place on
the day it was reported, decided by the head of the department that accepted the tip-off (which
pays: 谁受理谁奖励), told to the first reporter who qualifies, claimed — by identity, or where the
region allows, anonymously by receipt — or lapsed when unclaimed. Every step is on the tip-off's
audit trail and told to the reporter."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.auth.scope import staff_rows
from qingling.calendar import Unit
from qingling.clock import SHANGHAI
from qingling.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from qingling.holidays import working_calendar
from qingling.lifecycle import Transition
from qingling.pagination import PageParams, fetch_page
from qingling.regions import covers, jurisdiction_prefix
from qingling.runtime import Runtime
from reports.calendar import HolidayArrangement
from reports.duplicates.service import merged_into
from reports.rewards import rules, schemas
from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.rewards.models import Reward, RewardRule
from reports.tipoffs import service as tipoffs
from reports.tipoffs.models import TipOff
from reports.tipoffs.schemas import Category, Outcome

REWARDED_CATEGORIES = {
    Category.MAJOR_HAZARD: "fine",
    Category.ILLEGAL_ACT: "fine",
    Category.CONCEALED_ACCIDENT: "accident",
}


class RewardNotFound(NotFound):
    code, title = "reward-not-found", "奖励不存在或不在您的管辖范围内"


class NotRewardable(Conflict):
    code, title = "reward-not-applicable", "只有核查属实或部分属实的举报才能评定奖励"


class AlreadyAssessed(Conflict):
    code, title = "reward-already-assessed", "这件举报已经评定过奖励"


class BasisMismatch(ValidationFailed):
    code, title = "reward-basis-mismatch", "奖励的计算依据与举报类别不符"


class PayingDepartmentOnly(Forbidden):
    code, title = "paying-department-only", "奖励由受理举报的部门办理（谁受理谁奖励）"


class NoReward(NotFound):
    code, title = "no-reward", "您举报的事项没有评定奖励"


class AnonymousClaimNotAllowed(Forbidden):
    code, title = "anonymous-claim-not-allowed", "本地区的举报奖励办法只奖励实名举报，匿名举报不能领取奖励"


class NotTheRewardedReporter(Forbidden):
    code, title = "not-the-rewarded-reporter", schemas.NOT_FIRST


class ClaimantMismatch(Forbidden):
    code, title = "claimant-identity-mismatch", "领取人的姓名和证件与举报时登记的不一致"


class ClaimPeriodOver(Conflict):
    code, title = "claim-period-over", "已超过领取期限，奖励视为放弃"


class RuleKeyTaken(Conflict):
    code, title = "reward-rule-exists", "已有同一标识的奖励规则"


class RuleOutsideJurisdiction(Forbidden):
    code, title = "reward-rule-outside-jurisdiction", "只能为本辖区制定奖励规则"


# ------------------------------------------------------------------------------------------ rules

NATIONAL_RULE = {
    "key": "national-2018",
    "region_code": None,
    "title": "安全生产领域举报奖励办法",
    "document": "安监总财〔2018〕19号",
    "valid_from": date(2018, 1, 4),
    "fine_percent": 15,
    "fine_min": 3_000,
    "fine_max": 300_000,
    "death_amounts": {"general": 30_000, "larger": 40_000, "major": 50_000, "especially_major": 60_000},
    "death_cap": 300_000,
    "anonymous_claims": False,
    "employee_bonus_percent": 0,
    "claim_days": 60,
    "note": "只奖励实名举报；重大事故隐患、非法违法行为按罚款的 15% 计，最低 3000 元、最高 30 万元",
}
LOCAL_RULES = [  # local variants used as patterns (domain.md §3); numbers and dates not confirmed
    {
        "key": "shandong",
        "region_code": "370000",
        "title": "山东省安全生产举报奖励办法（地方样例）",
        "valid_from": date(2024, 7, 1),
        "fine_percent": 50,
        "fine_min": 5_000,
        "fine_max": 500_000,
        "anonymous_claims": True,
        "note": "按罚款的 50% 计，5000 元至 50 万元；匿名举报凭回执码领取。文号和施行日期未核实",
    },
    {
        "key": "rizhao",
        "region_code": "371100",
        "title": "日照市安全生产举报奖励办法（地方样例）",
        "valid_from": date(2022, 8, 12),
        "employee_bonus_percent": 20,
        "note": "企业从业人员举报本单位的，奖励增加 20%。文号和施行日期未核实",
    },
]


async def seed_rules(session: AsyncSession, runtime: Runtime) -> None:
    """Bootstrap: the national rule and the local patterns, once."""
    known = set((await session.execute(select(RewardRule.key))).scalars())
    now = runtime.clock.now()
    for rule in [NATIONAL_RULE, *LOCAL_RULES]:
        if rule["key"] not in known:
            session.add(RewardRule(**rule, created_by="built-in", created_at=now))


async def all_rules(session: AsyncSession) -> list[RewardRule]:
    query = select(RewardRule).order_by(
        RewardRule.region_code.is_not(None), RewardRule.region_code, RewardRule.valid_from
    )
    return list((await session.execute(query)).scalars())


async def add_rule(
    session: AsyncSession, caller: Principal, body: schemas.RewardRuleCreate, now: datetime
) -> RewardRule:
    if not caller.covers(body.region_code):
        raise RuleOutsideJurisdiction(f"您只能为 {caller.region_code} 及其下级地区制定奖励规则")
    rule = RewardRule(**body.model_dump(), created_by=caller.subject, created_at=now)
    try:
        async with session.begin_nested():
            session.add(rule)
    except IntegrityError:
        raise RuleKeyTaken(f"标识 {body.key} 已被使用") from None
    return rule


async def terms_for(session: AsyncSession, region_code: str, on: date) -> rules.Terms:
    """The terms in force at ``region_code`` on ``on``: for each level, its newest rule then valid."""
    in_force = select(RewardRule).where(
        RewardRule.valid_from <= on, or_(RewardRule.valid_to.is_(None), RewardRule.valid_to >= on)
    )
    newest: dict[str | None, RewardRule] = {}
    for rule in (await session.execute(in_force.order_by(RewardRule.valid_from))).scalars():
        if rule.region_code is None or covers(rule.region_code, region_code):
            newest[rule.region_code] = rule
    levels = sorted(newest, key=lambda code: -1 if code is None else len(jurisdiction_prefix(code)))
    return rules.overlay([newest[code] for code in levels])


# ------------------------------------------------------------------------------------- assessment


async def assess(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    tip_off_id: int,
    body: schemas.Assessment,
    now: datetime,
) -> Reward:
    """The accepting department assesses the reward for a true tip-off and the reporters of its
    matter: who reported first and qualifies, whether the matter is rewarded, and how much."""
    case = await tipoffs.get(session, caller, tip_off_id, for_update=True)
    if case.state == "merged":
        raise NotRewardable(f"这件举报已并入第 {case.duplicate_of} 号举报，请在该举报上评定奖励")
    finding = case.details.get("finding")
    if finding is None or Outcome(finding["outcome"]) not in (Outcome.TRUE, Outcome.PARTLY_TRUE):
        raise NotRewardable()
    if not tipoffs.in_lead_department(caller, case):
        raise PayingDepartmentOnly(f"这件举报由{case.lead_department}受理")
    if (await session.execute(select(Reward.id).where(Reward.tip_off_id == case.id))).first() is not None:
        raise AlreadyAssessed()
    expected = REWARDED_CATEGORIES.get(Category(case.category), body.basis)
    if body.basis != expected:
        raise BasisMismatch(
            "瞒报谎报事故按死亡人数计算奖励，重大事故隐患和违法行为按罚款计算",
            errors=[FieldError(location="body", field="/basis", message=f"这件举报应为 {expected}")],
        )

    terms = await terms_for(session, case.region_code, case.received_at.astimezone(SHANGHAI).date())
    reporters = sorted([case, *await merged_into(session, case)], key=lambda t: (t.received_at, t.id))
    first = next((t for t in reporters if t.real_name or terms.anonymous_claims), None)
    employee = first is not None and first.employee
    if body.basis == "fine":
        amount = rules.for_fine(terms, body.fine_yuan, employee=employee)
    else:
        amount = rules.for_accident(terms, body.accident_grade, body.deaths, employee=employee)
    reason = _ineligible(case, body, first)
    accepted_by = case.details.get("accepted_by") or {}
    reward = Reward(
        tip_off_id=case.id,
        reporter_tip_off_id=first.id if first else None,
        region_code=case.region_code,
        state="ineligible" if reason else REWARD_LIFECYCLE.initial,
        basis=body.basis,
        fine_yuan=body.fine_yuan,
        penalty_ref=body.penalty_ref,
        accident_grade=body.accident_grade,
        deaths=body.deaths,
        amount_yuan=0 if reason else amount.yuan,
        computation=amount.computation,
        terms={**vars(terms), "rules": list(terms.rules)},
        ineligible_reason=reason,
        paying_department_id=accepted_by.get("id", case.lead_department_id),
        paying_department=accepted_by.get("name", case.lead_department),
        paying_region_code=case.lead_region_code,
        paying_kind=case.lead_kind,
        assessed_by=caller.subject,
        assessed_at=now,
        updated_at=now,
    )
    session.add(reward)
    await session.flush()
    if reason:
        text = f"经评定，本事项不予奖励：{schemas.INELIGIBLE_TITLES[reason]}。"
        for reporter in reporters:
            await tipoffs.tell(session, reporter, "reward", text, now)
    payload = {
        "state": reward.state,
        "amount_yuan": reward.amount_yuan,
        "computation": amount.computation,
        "rules": list(terms.rules),
        "ineligible_reason": reason,
        "first_reporter": reward.reporter_tip_off_id,
    }
    tipoffs.record_change(session, case, "reward_assess", caller, now, payload)
    return reward


def _ineligible(case: TipOff, body: schemas.Assessment, first: TipOff | None) -> schemas.Ineligible | None:
    if case.category == Category.GENERAL_HAZARD:
        return schemas.Ineligible.GENERAL_HAZARD
    if body.known_before:
        return schemas.Ineligible.KNOWN_BEFORE
    if body.reporter_is_staff:
        return schemas.Ineligible.STAFF_REPORTER
    if first is None:
        return schemas.Ineligible.ANONYMOUS
    return None


# ---------------------------------------------------------------------------------------- reading


async def get(session: AsyncSession, caller: Principal, reward_id: int, *, for_update: bool = False) -> Reward:
    query = select(Reward).where(Reward.id == reward_id, staff_rows(caller, Reward.region_code))
    reward = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if reward is None:
        raise RewardNotFound()
    return reward


async def page(
    session: AsyncSession, caller: Principal, params: PageParams, *, state: str | None = None
) -> list[Reward]:
    query = select(Reward).where(staff_rows(caller, Reward.region_code))
    if state:
        query = query.where(Reward.state == state)
    return await fetch_page(session, query, Reward.id, params)


def to_read(reward: Reward) -> schemas.RewardRead:
    reason = schemas.Ineligible(reward.ineligible_reason) if reward.ineligible_reason else None
    return schemas.RewardRead.model_validate(
        {
            **reward.model_dump(),
            "state_title": REWARD_LIFECYCLE.states[reward.state],
            "allowed_actions": [t.action for t in REWARD_LIFECYCLE.allowed(reward.state) if not t.automatic],
            "ineligible_title": schemas.INELIGIBLE_TITLES[reason] if reason else None,
        }
    )


# ---------------------------------------------------------------------------------------- actions


async def act(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    reward_id: int,
    transition: Transition,
    payload: BaseModel | None,
    now: datetime,
) -> Reward:
    if caller == RECEIPT_HOLDER or caller.has(Role.SERVICE):
        reward = await session.get(Reward, reward_id, with_for_update=True)
    else:
        reward = await get(session, caller, reward_id, for_update=True)
    transition = REWARD_LIFECYCLE.check(reward.state, transition.action, caller)
    if caller.has(*STAFF_ROLES) and not (
        caller.region_code == reward.paying_region_code and caller.department == reward.paying_kind
    ):
        raise PayingDepartmentOnly(f"这项奖励由{reward.paying_department}办理")
    case = await session.get(TipOff, reward.tip_off_id, with_for_update=True)
    record: dict[str, Any] = {}
    if transition.action == "decide":
        reward.decided_by, reward.decided_at = caller.subject, now
        record = {"amount_yuan": reward.amount_yuan, "note": payload.note}
    elif transition.action == "decline":
        reward.ineligible_reason, reward.amount_yuan = schemas.Ineligible.DECLINED, 0
        reward.decided_by, reward.decided_at = caller.subject, now
        await _tell(session, reward, f"经审核，本事项不予奖励。{payload.reason}", now)
        record = {"reason": payload.reason}
    elif transition.action == "notify":
        calendar = await working_calendar(session, HolidayArrangement)
        reward.notified_at = now
        reward.claim_due_at = calendar.deadline(now, reward.terms["claim_days"], Unit.CALENDAR_DAYS).due_at
        text = (
            f"经审批，给予您举报奖励 {reward.amount_yuan:,} 元，由{reward.paying_department}发放。"
            f"请在 {reward.claim_due_at.astimezone(SHANGHAI):%Y年%m月%d日} 前领取，逾期视为放弃。"
        )
        await _tell(session, reward, text, now)
        record = {"claim_due_at": reward.claim_due_at.isoformat()}
    elif transition.action == "claim":
        await _check_claimant(session, runtime, reward, payload, now)
        reward.claimed_at = now
        text = f"您已登记领取奖励，请持身份证件到{reward.paying_department}领取。"
        await _tell(session, reward, text, now)
        record = {"by_receipt": caller == RECEIPT_HOLDER}  # who claimed stays sealed
    elif transition.action == "lapse":
        reward.lapsed_at = now
        await _tell(session, reward, "您未在期限内领取举报奖励，视为放弃。", now)
    reward.state = transition.next_state(reward.state)
    reward.updated_at = now
    tipoffs.record_change(session, case, f"reward_{transition.action}", caller, now, {"state": reward.state, **record})
    return reward


async def _check_claimant(
    session: AsyncSession, runtime: Runtime, reward: Reward, claimant: schemas.Claim, now: datetime
) -> None:
    if now > reward.claim_due_at:
        raise ClaimPeriodOver(f"领取期限已于 {reward.claim_due_at.astimezone(SHANGHAI):%Y年%m月%d日} 届满")
    reporter = await session.get(TipOff, reward.reporter_tip_off_id)
    if not reporter.real_name:  # allowed here (else nobody anonymous is rewarded): identity sealed for the payout
        plaintext = json.dumps(claimant.model_dump(), ensure_ascii=False)
        reward.sealed_claimant = runtime.adapters.sealer.seal(plaintext, f"reward:{reward.id}")
        return
    name, phone, id_number = await tipoffs.reporter_details(runtime, session, reporter)
    # The receipt already proved its holder; this checks the person is the one who reported.
    same_person = name == claimant.name and (id_number == claimant.id_number if id_number else phone == claimant.phone)
    if not same_person:
        raise ClaimantMismatch()


async def claim(session: AsyncSession, runtime: Runtime, tip_off_id: int, body: schemas.Claim, now: datetime) -> Reward:
    """A receipt holder claims the reward for their matter."""
    held = await session.get(TipOff, tip_off_id)
    case_id = held.duplicate_of if held.state == "merged" else held.id
    reward = (await session.execute(select(Reward).where(Reward.tip_off_id == case_id))).scalar_one_or_none()
    if reward is None:
        raise NoReward()
    if reward.ineligible_reason == schemas.Ineligible.ANONYMOUS and not held.real_name:
        raise AnonymousClaimNotAllowed()
    if reward.reporter_tip_off_id != held.id and reward.state != "ineligible":
        raise NotTheRewardedReporter()
    return await act(session, runtime, RECEIPT_HOLDER, reward.id, REWARD_LIFECYCLE.transition("claim"), body, now)


async def lapse_unclaimed(session: AsyncSession, runtime: Runtime, now: datetime) -> None:
    """Sweep: rewards told and not claimed within their time lapse."""
    query = select(Reward.id).where(Reward.state == "notified", Reward.claim_due_at < now.replace(microsecond=0))
    due = (await session.execute(query.limit(100).with_for_update(skip_locked=True))).scalars().all()
    service = Principal(subject=f"service:{runtime.service.name}", roles=frozenset({Role.SERVICE}))
    for reward_id in due:
        await act(session, runtime, service, reward_id, REWARD_LIFECYCLE.transition("lapse"), None, now)


async def _tell(session: AsyncSession, reward: Reward, text: str, now: datetime) -> None:
    """Tells the reporter the reward is for (or, with nobody qualifying, the matter's own)."""
    tip_off = await session.get(TipOff, reward.reporter_tip_off_id or reward.tip_off_id)
    await tipoffs.tell(session, tip_off, "reward", text, now)
