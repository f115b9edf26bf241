"""Who decides each step of a reward (the authorities declared in ``lifecycle.py``): pure
functions of the reward and the caller, answering None when the caller is the body the rules
name, else why not, naming the department by name."""

from __future__ import annotations

from qingling.auth.principal import Principal
from reports.rewards.models import Reward
from reports.tipoffs.authority import in_department


def paying(reward: Reward, caller: Principal) -> str | None:
    if in_department(caller, reward.paying_region_code, reward.paying_kind):
        return None
    return f"这项奖励由{reward.paying_department}办理（谁受理谁奖励）"


def paying_leader(reward: Reward, caller: Principal) -> str | None:
    if in_department(caller, reward.paying_region_code, reward.paying_kind):
        return None
    return f"这项奖励由{reward.paying_department}负责人审批（谁受理谁奖励）"


def rewarded_reporter(reward: Reward, caller: Principal) -> str | None:
    """Who claims is checked when they claim (``service.claim``: the receipt, or the mini-program
    user's own tip-off, and the identity they reported with); nobody is offered it in advance."""
    return "奖励由举报人本人凭回执或本人的小程序账号领取，领取时核验身份"


CHECKS = {"paying": paying, "paying_leader": paying_leader, "rewarded_reporter": rewarded_reporter}
