"""The steps of a reward after its assessment: one effect per action of the lifecycle declared in
``lifecycle.py``, fired by the one lifecycle runner, which checks the state, the role and the
authority (``authority.py``: the paying department, 谁受理谁奖励), moves the state, keeps the claim
period as the reward's step and writes each step on the tip-off's trail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from qingling.auth.principal import Principal
from qingling.calendar import Unit
from qingling.clock import SHANGHAI
from qingling.errors import Conflict, ValidationFailed
from qingling.holidays import working_calendar
from qingling.lifecycle import Runner, Step, TimeBasis, start_step
from reports.calendar import HolidayArrangement
from reports.rewards import authority, schemas
from reports.rewards.lifecycle import CLAIM_STEP, REWARD_LIFECYCLE
from reports.rewards.models import Reward
from reports.tipoffs import service as tipoffs
from reports.tipoffs.authority import in_department
from reports.tipoffs.models import TipOff


class ClaimPeriodOver(Conflict):
    code, title = "claim-period-over", "已超过领取期限，奖励视为放弃"


class PayoutAmountDiffers(ValidationFailed):
    code, title = "payout-amount-differs", "发放金额与审批金额不一致"


class ClaimStep(BaseModel):
    """A claim as fired: the channel goes on the trail, who claimed never does."""

    channel: str
    claimant: schemas.Claim = Field(exclude=True)


async def _decide(step: Step[Reward]) -> dict[str, Any]:
    step.item.decided_by, step.item.decided_at = step.caller.subject, step.now
    return {"amount_yuan": step.item.amount_yuan}


async def _decline(step: Step[Reward]) -> None:
    reward = step.item
    reward.ineligible_reason, reward.amount_yuan = schemas.Ineligible.DECLINED, 0
    reward.decided_by, reward.decided_at = step.caller.subject, step.now
    await tell(step.session, reward, f"经审核，本事项不予奖励。{step.payload.reason}", step.now)


async def _notify(step: Step[Reward]) -> dict[str, Any]:
    """The claim period (the rule's days, not one the declaration can state) is the reward's step."""
    reward = step.item
    reward.notified_at = step.now
    basis = TimeBasis(start=step.now, amount=reward.terms["claim_days"], unit=Unit.CALENDAR_DAYS)
    due = reward.claim_due_at = start_step(reward, CLAIM_STEP, basis, step.calendar).due_at
    text = (
        f"经审批，给予您举报奖励 {reward.amount_yuan:,} 元，由{reward.paying_department}发放。"
        f"请在 {due.astimezone(SHANGHAI):%Y年%m月%d日} 前领取，逾期视为放弃。"
    )
    await tell(step.session, reward, text, step.now)
    return {"claim_due_at": due.isoformat()}


async def _claim(step: Step[Reward]) -> None:
    reward, payload = step.item, step.payload
    in_claim_period(reward, step.now)
    reporter = await step.session.get(TipOff, reward.reporter_tip_off_id)
    if not reporter.real_name:  # allowed here (else nobody anonymous is rewarded): identity sealed for the payout
        plaintext = json.dumps(payload.claimant.model_dump(), ensure_ascii=False)
        reward.sealed_claimant = step.runtime.adapters.sealer.seal(plaintext, f"reward:{reward.id}")
    reward.claimed_at, reward.claim_channel = step.now, payload.channel
    await tell(step.session, reward, f"您已登记领取奖励，请持身份证件到{reward.paying_department}领取。", step.now)


async def _pay(step: Step[Reward]) -> None:
    reward, payout = step.item, step.payload
    _check_payout(reward, payout, step.now)
    reward.paid_on, reward.paid_amount_yuan, reward.payout_method = payout.paid_on, payout.amount_yuan, payout.method
    reward.paid_by, reward.payout_reason, reward.payout_note = payout.paid_by, payout.reason, payout.note
    reward.payout_recorded_by, reward.payout_recorded_at = step.caller.subject, step.now
    method = schemas.PAYOUT_METHOD_TITLES[payout.method]
    text = f"您的举报奖励 {payout.amount_yuan:,} 元已于 {payout.paid_on:%Y年%m月%d日} 以{method}方式发放。"
    await tell(step.session, reward, text, step.now)


async def _lapse(step: Step[Reward]) -> None:
    step.item.lapsed_at = step.now
    await tell(step.session, step.item, "您未在期限内领取举报奖励，视为放弃。", step.now)


def in_claim_period(reward: Reward, now: datetime) -> None:
    if now > reward.claim_due_at:
        raise ClaimPeriodOver(f"领取期限已于 {reward.claim_due_at.astimezone(SHANGHAI):%Y年%m月%d日} 届满")


def _check_payout(reward: Reward, payout: schemas.Payout, now: datetime) -> None:
    """The payout as recorded: on a day between the claim and today, of the amount decided — less
    only with a reason; more needs a new decision, not a payout record."""
    today, claimed_on = now.astimezone(SHANGHAI).date(), reward.claimed_at.astimezone(SHANGHAI).date()
    if payout.paid_on > today:
        raise ValidationFailed.for_field("paid_on", f"发放日期不能晚于今天（{today:%Y-%m-%d}）")
    if payout.paid_on < claimed_on:
        raise ValidationFailed.for_field("paid_on", f"发放日期不能早于举报人登记领取的日期（{claimed_on:%Y-%m-%d}）")
    if payout.amount_yuan > reward.amount_yuan:
        raise PayoutAmountDiffers.for_field(
            "amount_yuan", f"发放金额 {payout.amount_yuan:,} 元超过审批金额 {reward.amount_yuan:,} 元，须重新审批"
        )
    if payout.amount_yuan != reward.amount_yuan and payout.reason is None:
        raise PayoutAmountDiffers.for_field(
            "reason", f"发放金额 {payout.amount_yuan:,} 元少于审批金额 {reward.amount_yuan:,} 元，须说明理由"
        )


async def tell(session: AsyncSession, reward: Reward, text: str, now: datetime) -> None:
    """Tells the reporter the reward is for (or, with nobody qualifying, the matter's own)."""
    tip_off = await session.get(TipOff, reward.reporter_tip_off_id or reward.tip_off_id)
    await tipoffs.tell(session, tip_off, "reward", text, now)


# ----------------------------------------------------------------------------- the runner's hooks


def _record(session: AsyncSession, reward: Reward, action: str, caller: Principal, now: datetime, change: dict) -> None:
    """A reward's steps go on its tip-off's trail. The tip-off was loaded for update before the
    action was fired (``service.act``), so it is taken from the session, not read again."""
    case = session.sync_session.identity_map.get(identity_key(TipOff, reward.tip_off_id))
    if case is None:
        raise RuntimeError(f"reward {reward.id}: its tip-off must be loaded before an action is fired")
    previous, state = change.pop("from"), change.pop("to")
    payload = {"reward_id": reward.id, "state": state, "previous_state": previous, **change}
    tipoffs.record_change(session, case, f"reward_{action}", caller, now, payload, reward=reward)


async def _acting(step: Step[Reward]) -> str | None:
    reward = step.item
    return (
        reward.paying_department if in_department(step.caller, reward.paying_region_code, reward.paying_kind) else None
    )


RUNNER: Runner[Reward] = Runner(
    REWARD_LIFECYCLE,
    effects={
        "decide": _decide,
        "decline": _decline,
        "notify": _notify,
        "claim": _claim,
        "pay": _pay,
        "lapse": _lapse,
    },
    authorities=authority.CHECKS,
    record=_record,
    calendar=lambda session: working_calendar(session, HolidayArrangement),
    keeps_step=frozenset({"notified"}),
    acting=_acting,
)
