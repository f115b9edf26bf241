"""The reward sub-flow (domain.md §3): eligible → decided → notified → claimed → paid | lapsed."""

from qingling.auth.roles import Role
from qingling.lifecycle import Authority, Lifecycle, Transition
from reports.rewards import schemas

HANDLERS = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER})
PAYER = "受理举报的部门（谁受理谁奖励）"
CLAIM_STEP = "领取奖励"

# Who decides (domain.md §3 Reward); the checks are in ``authority.py``.
PAYING_LEADER = Authority(
    "paying_leader",
    "受理举报的部门的负责人",
    "谁受理谁奖励：奖励由受理举报的部门审批，由其负责人决定（domain.md §3 Reward）",
)
REWARDED_REPORTER = Authority(
    "rewarded_reporter",
    "获得奖励的举报人本人",
    "奖励只发给同一事项中第一位符合条件的举报人，由其本人领取（domain.md §3 Reward）",
)
PAYING = Authority(
    "paying",
    "受理举报的部门",
    "谁受理谁奖励：受理举报的部门告知举报人并发放奖励（domain.md §3 Reward）",
)

REWARD_LIFECYCLE = Lifecycle(
    name="reward",
    title="举报奖励",
    states={
        "eligible": "符合奖励条件（待审批）",
        "ineligible": "不予奖励",
        "decided": "已审批（待告知）",
        "notified": "已告知（待领取）",
        "claimed": "已领取（待发放）",
        "paid": "已发放",
        "lapsed": "逾期未领取",
    },
    initial="eligible",
    final=frozenset({"ineligible", "paid", "lapsed"}),
    transitions=(
        Transition(
            "decide",
            "审批奖励",
            ("eligible",),
            "decided",
            frozenset({Role.DEPARTMENT_LEADER}),
            payload=schemas.Approval,
            authority=PAYING_LEADER,
            note=f"{PAYER}负责人审批，金额按奖励办法计算",
        ),
        Transition(
            "decline",
            "不予奖励",
            ("eligible",),
            "ineligible",
            frozenset({Role.DEPARTMENT_LEADER}),
            payload=schemas.Reason,
            authority=PAYING_LEADER,
            note=f"{PAYER}负责人决定；告知举报人理由",
        ),
        Transition(
            "notify",
            "告知举报人",
            ("decided",),
            "notified",
            HANDLERS,
            authority=PAYING,
            note=f"{PAYER}告知举报人奖励金额和领取期限（奖励办法规定的日数，全国为 60 日）",
        ),
        Transition(
            "claim",
            "领取奖励",
            ("notified",),
            "claimed",
            frozenset({Role.MINIPROGRAM_USER}),
            payload=schemas.Claim,
            reporter=True,
            authority=REWARDED_REPORTER,
            note=(
                "只能由举报人本人领取，工作人员不能代领：凭回执码和查询密码，或由实名举报的小程序用户领取本人举报的奖励；"
                "实名举报人的姓名和证件须与举报时登记的一致，不一致的次数受限制并记入办理记录；"
                "允许匿名领取的地区，匿名举报人在此登记身份，发放时核验身份证件"
            ),
        ),
        Transition(
            "pay",
            "登记发放",
            ("claimed",),
            "paid",
            HANDLERS,
            payload=schemas.Payout,
            authority=PAYING,
            note=(f"{PAYER}登记实际发放的日期、金额、方式和经办人；发放金额与审批金额不一致的，须说明理由"),
        ),
        Transition(
            "lapse",
            "逾期失效",
            ("notified",),
            "lapsed",
            frozenset({Role.SERVICE}),
            automatic=True,
            note="领取期限届满未领取的，视为放弃",
        ),
    ),
)
REWARD_LIFECYCLE.publish_states(schemas.RewardRead)
