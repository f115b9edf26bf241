"""Rewards for true tip-offs (举报奖励): assessed under the reward rules in force for the place on
the day it was reported, decided by the head of the department that accepted the tip-off (which
pays: 谁受理谁奖励), told to the first reporter who qualifies, claimed — by identity, or where the
region allows, anonymously by receipt — or lapsed when unclaimed. Every step is on the tip-off's
audit trail and told to the reporter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.auth.roles import Role
from qingling.clock import SHANGHAI
from qingling.errors import Conflict, FieldError, Forbidden, NotFound, TooManyRequests, ValidationFailed
from qingling.lifecycle import Transition
from qingling.pagination import PageParams, fetch_page
from qingling.regions import Level, covers, jurisdiction_prefix
from qingling.runtime import Runtime
from qingling.sealing import keyed_hash
from reports import limits
from reports.duplicates.service import merged_into
from reports.rewards import rules, schemas
from reports.rewards.actions import (
    RUNNER,
    ClaimStep,
    in_claim_period,
)
from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.rewards.models import Reward, RewardRule
from reports.tipoffs import service as tipoffs
from reports.tipoffs.authority import in_department
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


class ClaimsThrottled(TooManyRequests):
    code, title = "claim-attempts-throttled", "身份核验不一致的次数过多，请稍后再领取"


class RuleKeyTaken(Conflict):
    code, title = "reward-rule-exists", "已有同一标识的奖励规则"


class RuleOutsideJurisdiction(Forbidden):
    code, title = "reward-rule-outside-jurisdiction", "只能为本辖区制定奖励规则"


class RuleProvinceLevelOnly(Forbidden):
    code, title = "reward-rule-province-level-only", "奖励规则只能由省级或国家级系统管理员制定"


class RuleBeyondNational(ValidationFailed):
    code, title = "reward-rule-beyond-national", "奖励条款高于全国办法，须在 basis_document 中写明依据的地方文件"


class RuleOutOfRange(ValidationFailed):
    code, title = "reward-rule-out-of-range", "施行或失效日期不在奖励办法可能适用的范围内"


class NoRuleInForce(NotFound):
    code, title = "no-reward-rule-in-force", "该日没有施行中的举报奖励办法"


class RuleRetroactive(ValidationFailed):
    code, title = "reward-rule-retroactive", "施行日期会改变已评定的奖励"


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
        "basis_document": "山东省安全生产举报奖励办法（文号未核实）",
        "note": "按罚款的 50% 计，5000 元至 50 万元；匿名举报凭回执码领取。文号和施行日期未核实",
    },
    {
        "key": "rizhao",
        "region_code": "371100",
        "title": "日照市安全生产举报奖励办法（地方样例）",
        "valid_from": date(2022, 8, 12),
        "employee_bonus_percent": 20,
        "basis_document": "日照市安全生产举报奖励办法（文号未核实）",
        "note": "企业从业人员举报本单位的，奖励增加 20%。文号和施行日期未核实",
    },
]


async def seed_rules(session: AsyncSession, runtime: Runtime) -> None:
    """Bootstrap: the national rule and the local patterns, once; a local pattern seeded before
    rules cited their basis documents gets its own."""
    known = {rule.key: rule for rule in (await session.execute(select(RewardRule))).scalars()}
    now = runtime.clock.now()
    for rule in [NATIONAL_RULE, *LOCAL_RULES]:
        if rule["key"] not in known:
            session.add(RewardRule(**rule, created_by="built-in", created_at=now))
        elif known[rule["key"]].basis_document is None and rule.get("basis_document"):
            known[rule["key"]].basis_document = rule["basis_document"]


async def all_rules(session: AsyncSession) -> list[RewardRule]:
    query = select(RewardRule).order_by(
        RewardRule.region_code.is_not(None), RewardRule.region_code, RewardRule.valid_from
    )
    return list((await session.execute(query)).scalars())


RULE_MAKERS = frozenset({Level.NATION, Level.PROVINCE})


async def add_rule(
    session: AsyncSession, caller: Principal, body: schemas.RewardRuleCreate, now: datetime
) -> RewardRule:
    """A local rule by a province's (or the national) admin, for its own jurisdiction: no higher
    than the national rule unless it cites the local document that allows it, and never in force
    from a day that would change a reward already assessed."""
    if caller.level not in RULE_MAKERS:
        raise RuleProvinceLevelOnly(f"您是{caller.region_code}的管理员；地方奖励办法由省级人民政府或其部门制定")
    if not caller.covers(body.region_code):
        raise RuleOutsideJurisdiction(f"您只能为 {caller.region_code} 及其下级地区制定奖励规则")
    if body.basis_document is None:
        beyond = _beyond_national(body, await _national_rule(session, body.valid_from))
        if beyond:
            raise RuleBeyondNational(
                f"{'、'.join(error.field.lstrip('/') for error in beyond)} 高于全国办法，"
                "须在 basis_document 中写明依据的地方文件（名称和文号）",
                errors=[*beyond, FieldError(location="body", field="/basis_document", message="须写明依据的地方文件")],
            )
    _refuse_out_of_range(body, now)
    await _refuse_retroactive(session, body)
    rule = RewardRule(**body.model_dump(), created_by=caller.subject, created_at=now)
    try:
        async with session.begin_nested():
            session.add(rule)
    except IntegrityError:
        raise RuleKeyTaken(f"标识 {body.key} 已被使用") from None
    return rule


RULE_HORIZON_YEARS = 5  # a rule is published at most this far ahead of its dates


def _refuse_out_of_range(body: schemas.RewardRuleCreate, now: datetime) -> None:
    """A local rule lies within the national rule's time (it only changes national terms) and
    within a few years of today: a rule of the year 8763 is a typing error, not a rule."""
    first = NATIONAL_RULE["valid_from"]
    today = now.astimezone(SHANGHAI).date()
    horizon = today + timedelta(days=366 * RULE_HORIZON_YEARS)
    for field, day in (("valid_from", body.valid_from), ("valid_to", body.valid_to)):
        if day is not None and not first <= day <= horizon:
            raise RuleOutOfRange.for_field(
                field,
                f"{field} 应在全国办法施行之日（{first:%Y-%m-%d}）与 {horizon:%Y-%m-%d} 之间，当前为 {day:%Y-%m-%d}",
            )


async def _national_rule(session: AsyncSession, on: date) -> Any:
    query = select(RewardRule).where(RewardRule.region_code.is_(None), RewardRule.valid_from <= on)
    national = (await session.execute(query.order_by(RewardRule.valid_from.desc()).limit(1))).scalar_one_or_none()
    return national or SimpleNamespace(**NATIONAL_RULE)


BOUNDED_TERMS = {  # the terms no local rule may raise above the national rule's without a document
    "fine_percent": "奖励比例",
    "fine_min": "最低奖励额",
    "fine_max": "最高奖励额",
    "death_cap": "瞒报事故奖励的最高额",
    "employee_bonus_percent": "从业人员举报本单位的增加比例",
}


def _beyond_national(body: schemas.RewardRuleCreate, national: Any) -> list[FieldError]:
    """Each term of ``body`` above the national rule's, as a field error naming both."""
    errors = []

    def beyond(field: str, what: str, value: Any, bound: Any, unit: str) -> None:
        if value is not None and bound is not None and value > bound:
            message = f"{what}{value:,}{unit}高于全国办法的 {bound:,}{unit}，须写明依据的地方文件"
            errors.append(FieldError(location="body", field=f"/{field}", message=message))

    for field, what in BOUNDED_TERMS.items():
        unit = "%" if field.endswith("percent") else " 元"
        beyond(field, what, getattr(body, field), getattr(national, field), unit)
    for grade, amount in (body.death_amounts or {}).items():
        bound = (national.death_amounts or {}).get(grade)
        beyond(f"death_amounts/{grade}", f"{rules.ACCIDENT_GRADE_TITLES[grade]}每人死亡奖励额", amount, bound, " 元")
    if body.anonymous_claims and not national.anonymous_claims:
        message = "全国办法只奖励实名举报；奖励匿名举报须写明依据的地方文件"
        errors.append(FieldError(location="body", field="/anonymous_claims", message=message))
    return errors


async def _refuse_retroactive(session: AsyncSession, body: schemas.RewardRuleCreate) -> None:
    """Refuses a rule that would be in force on the day a tip-off was received whose reward, in
    the rule's region, has already been assessed: its terms were fixed by the rules then in force,
    and a rule published later must not change them."""
    start = datetime.combine(body.valid_from, time.min, SHANGHAI).astimezone(UTC)
    query = (
        select(func.count(Reward.id), func.max(TipOff.received_at))
        .join(TipOff, TipOff.id == Reward.tip_off_id)
        .where(Reward.region_code.startswith(jurisdiction_prefix(body.region_code)), TipOff.received_at >= start)
    )
    if body.valid_to is not None:
        end = datetime.combine(body.valid_to + timedelta(days=1), time.min, SHANGHAI).astimezone(UTC)
        query = query.where(TipOff.received_at < end)
    count, latest = (await session.execute(query)).one()
    if count:
        latest_day = latest.astimezone(SHANGHAI).date()
        raise RuleRetroactive.for_field(
            "valid_from",
            f"本地区已有 {count} 件举报的奖励已按当时的办法评定，最晚的一件收到于 {latest_day:%Y年%m月%d日}；"
            f"施行日期须晚于该日（{latest_day + timedelta(days=1):%Y-%m-%d} 或以后）",
        )


async def terms_for(session: AsyncSession, region_code: str, on: date) -> rules.Terms:
    """The terms in force at ``region_code`` on ``on``: for each level, its newest rule then valid."""
    in_force = select(RewardRule).where(
        RewardRule.valid_from <= on, or_(RewardRule.valid_to.is_(None), RewardRule.valid_to >= on)
    )
    newest: dict[str | None, RewardRule] = {}
    for rule in (await session.execute(in_force.order_by(RewardRule.valid_from))).scalars():
        if rule.region_code is None or covers(rule.region_code, region_code):
            newest[rule.region_code] = rule
    if None not in newest:  # before the national rule (安监总财〔2018〕19号) took effect
        raise NoRuleInForce(
            f"{on:%Y-%m-%d} 全国举报奖励办法尚未施行（{NATIONAL_RULE['valid_from']:%Y-%m-%d} 起施行）",
            errors=[FieldError(location="query", field="/on", message="该日没有施行中的奖励办法")],
        )
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
    if case.outcome not in (Outcome.TRUE, Outcome.PARTLY_TRUE):
        raise NotRewardable()
    if not in_department(caller, case.accepted_by_region_code, case.accepted_by_kind):
        raise PayingDepartmentOnly(f"这件举报由{case.accepted_by_department}受理，奖励由其评定（谁受理谁奖励）")
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
        paying_department_id=case.accepted_by_department_id,
        paying_department=case.accepted_by_department,
        paying_region_code=case.accepted_by_region_code,
        paying_kind=case.accepted_by_kind,
        assessed_by=caller.subject,
        assessed_at=now,
        updated_at=now,
        closed_at=now if reason else None,
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
    tipoffs.record_change(session, case, "reward_assess", caller, now, payload, reward=reward)
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


def visible(caller: Principal) -> Any:
    """The rewards of the tip-offs the caller sees (a department that handed a case on included)."""
    return Reward.tip_off_id.in_(select(TipOff.id).where(tipoffs.visible(caller)))


async def get(session: AsyncSession, caller: Principal, reward_id: int, *, for_update: bool = False) -> Reward:
    query = select(Reward).where(Reward.id == reward_id, visible(caller))
    reward = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if reward is None:
        raise RewardNotFound()
    return reward


async def page(
    session: AsyncSession, caller: Principal, params: PageParams, *, state: str | None = None
) -> list[Reward]:
    query = select(Reward).where(visible(caller))
    if state:
        query = query.where(Reward.state == state)
    return await fetch_page(session, query, Reward.id, params)


def to_read(reward: Reward, caller: Principal) -> schemas.RewardRead:
    reason = schemas.Ineligible(reward.ineligible_reason) if reward.ineligible_reason else None
    return schemas.RewardRead.model_validate(
        {
            **reward.model_dump(),
            "state_title": REWARD_LIFECYCLE.states[reward.state],
            "allowed_actions": RUNNER.allowed_for(reward, caller),
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
    """An action on a reward through its own route. Claiming there is for the mini-program user
    whose own tip-off the reward is for; staff never claim."""
    if transition.action == "claim":
        return await claim(session, runtime, Claimant(MINIPROGRAM, caller), reward_id, payload, now)
    return await _fire(session, runtime, caller, reward_id, transition.action, payload, now)


async def _fire(
    session: AsyncSession,
    runtime: Runtime,
    caller: Principal,
    reward_id: int,
    action: str,
    payload: BaseModel | None,
    now: datetime,
) -> Reward:
    """Loads the reward (as staff see it; by id for the reporter, whose claim was checked, and the
    service) and its tip-off, whose trail it goes on, both for update; fires the action."""
    if caller == RECEIPT_HOLDER or caller.has(Role.SERVICE):
        reward = await session.get(Reward, reward_id, with_for_update=True)
    else:
        reward = await get(session, caller, reward_id, for_update=True)
    _case = await session.get(TipOff, reward.tip_off_id, with_for_update=True)  # held here: the trail goes on it
    return await RUNNER.fire(session, runtime, reward, caller, action, payload, now)


# ------------------------------------------------------------------------------------ claiming

RECEIPT, MINIPROGRAM = "receipt", "miniprogram"


@dataclass(frozen=True)
class Claimant:
    """Who claims, and how they proved it: the holder of a tip-off's receipt (``tip_off_id``),
    or a signed-in mini-program user (``caller``)."""

    channel: str
    caller: Principal | None = None
    tip_off_id: int | None = None


async def claim_by_receipt(
    session: AsyncSession, runtime: Runtime, tip_off_id: int, body: schemas.Claim, now: datetime
) -> Reward:
    """A receipt holder claims the reward for their matter."""
    return await claim(session, runtime, Claimant(RECEIPT, tip_off_id=tip_off_id), None, body, now)


async def claim(
    session: AsyncSession,
    runtime: Runtime,
    claimant: Claimant,
    reward_id: int | None,
    body: schemas.Claim,
    now: datetime,
) -> Reward:
    """Only the reporter claims. Who they are is checked first, in a transaction of its own, so
    that a mismatch is counted and put on the trail although the request is refused; then the
    claim itself is recorded in the request's transaction."""
    reward_id = await _check_claimant(runtime, claimant, reward_id, body)
    step = ClaimStep(channel=claimant.channel, claimant=body)
    return await _fire(session, runtime, RECEIPT_HOLDER, reward_id, "claim", step, now)


async def _check_claimant(runtime: Runtime, claimant: Claimant, reward_id: int | None, body: schemas.Claim) -> int:
    """The reward ``claimant`` may claim, or the problem to answer. Mismatches of name or ID number
    are counted per reward in the database (``reports.limits.claim_mismatches``); past the limit every
    claim is refused for the rest of the window without the identity even being compared."""
    limit, limiter = limits.claim_mismatches(runtime.settings), runtime.adapters.limiter
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        reward = await _claimable(session, runtime, claimant, reward_id)
        REWARD_LIFECYCLE.check(reward.state, "claim", RECEIPT_HOLDER)
        in_claim_period(reward, now)
        key = str(reward.id)
        if wait := await limiter.wait(session, limit, key, now):
            raise ClaimsThrottled(
                f"身份核验不一致的次数已达上限，请在 {math.ceil(wait / 3600)} 小时后再领取；"
                f"如有疑问请联系{reward.paying_department}",
                headers={"Retry-After": str(wait)},
            )
        reporter = await session.get(TipOff, reward.reporter_tip_off_id)
        if not reporter.real_name:
            return reward.id  # an anonymous reporter gives their identity here, sealed for the payout
        name, phone, id_number = await tipoffs.reporter_details(runtime, session, reporter)
        if name == body.name and (id_number == body.id_number if id_number else phone == body.phone):
            return reward.id
        failures = await limiter.count(session, limit, key, now)
        case = await session.get(TipOff, reward.tip_off_id, with_for_update=True)
        record = {"channel": claimant.channel, "mismatches_in_window": failures, "throttled": failures >= limit.allowed}
        tipoffs.record_change(session, case, "reward_claim_mismatch", RECEIPT_HOLDER, now, record, publish=False)
    raise ClaimantMismatch(f"如确为本人，请核对后重新填写；连续 {limit.allowed} 次不一致将暂停领取")


async def _claimable(session: AsyncSession, runtime: Runtime, claimant: Claimant, reward_id: int | None) -> Reward:
    if claimant.channel == MINIPROGRAM:
        reward = await session.get(Reward, reward_id)
        reporter = (
            await session.get(TipOff, reward.reporter_tip_off_id) if reward and reward.reporter_tip_off_id else None
        )
        own = keyed_hash(runtime.adapters.hash_key, claimant.caller.subject)
        if reporter is None or reporter.reporter_key != own:
            raise RewardNotFound("没有发给您的这项奖励（只能领取您本人在小程序中举报的事项的奖励）")
        return reward
    held = await session.get(TipOff, claimant.tip_off_id)
    case_id = held.duplicate_of if held.state == "merged" else held.id
    reward = (await session.execute(select(Reward).where(Reward.tip_off_id == case_id))).scalar_one_or_none()
    if reward is None:
        raise NoReward()
    if reward.ineligible_reason == schemas.Ineligible.ANONYMOUS and not held.real_name:
        raise AnonymousClaimNotAllowed()
    if reward.reporter_tip_off_id != held.id and reward.state != "ineligible":
        raise NotTheRewardedReporter()
    return reward


async def lapse_unclaimed(session: AsyncSession, runtime: Runtime, now: datetime) -> None:
    """Sweep: rewards told and not claimed within their time lapse."""
    query = select(Reward.id).where(Reward.state == "notified", Reward.claim_due_at < now.replace(microsecond=0))
    due = (await session.execute(query.limit(100).with_for_update(skip_locked=True))).scalars().all()
    service = Principal(subject=f"service:{runtime.service.name}", roles=frozenset({Role.SERVICE}))
    for reward_id in due:
        await _fire(session, runtime, service, reward_id, "lapse", None, now)
