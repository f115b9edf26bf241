"""What a reporter is shown of the reward for their matter — once they have been told of it."""

from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.rewards.models import Reward
from reports.rewards.schemas import INELIGIBLE_TITLES, NOT_FIRST, Ineligible, RewardNotice

TOLD = frozenset({"ineligible", "notified", "claimed", "paid", "lapsed"})  # decided but not yet told: nothing shown


def notice_of(reward: Reward, tip_off_id: int) -> RewardNotice | None:
    if reward.state not in TOLD:
        return None
    yours = reward.reporter_tip_off_id == tip_off_id
    if reward.state == "ineligible":
        reason = INELIGIBLE_TITLES[Ineligible(reward.ineligible_reason)]
    else:
        reason = None if yours else NOT_FIRST
    return RewardNotice(
        reward_id=reward.id if yours and reward.state != "ineligible" else None,
        yours=yours,
        state=reward.state,
        state_title=REWARD_LIFECYCLE.states[reward.state],
        amount_yuan=reward.amount_yuan if yours and reward.state != "ineligible" else None,
        reason=reason,
        paying_department=reward.paying_department,
        claim_due_at=reward.claim_due_at if yours else None,
    )
