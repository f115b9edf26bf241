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


CHECKS = {"paying": paying, "paying_leader": paying_leader}
