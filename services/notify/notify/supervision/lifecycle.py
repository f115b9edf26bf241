"""The 督办 acts' lifecycle (issue 20), declared once. A 催办, 通报 or 函告 is final when issued;
a 约谈 is to be scheduled (when the reminder ladder calls for it, within ``HOLD_WITHIN``), then
scheduled, then held — its record naming the people on both sides and the commitments, each of
which becomes a deadline — or cancelled with a reason. ``service.RUNNER`` fires it."""

from notify.supervision import schemas
from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.lifecycle import Authority, Lifecycle, TimeLimit, Transition

STAFF = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE})
# No national figure: a 约谈 the ladder calls for is to be held within ten working days (default).
HOLD_WITHIN = TimeLimit(10, Unit.WORKING_DAYS, "组织约谈")

BY_ISSUER = Authority(
    "issuer",
    "约谈机关",
    "约谈由作出约谈的安委办或部门组织、记录；提醒方案生成的约谈由挂牌机关上一级安委办组织（§4 约谈 D+15 工作日）",
)

SUPERVISION_LIFECYCLE = Lifecycle(
    name="supervision",
    title="督办",
    states={
        "issued": "已发出",
        "to_schedule": "待安排约谈",
        "scheduled": "已安排约谈",
        "held": "已约谈",
        "cancelled": "已取消",
    },
    initial="to_schedule",
    final=frozenset({"issued", "held", "cancelled"}),
    transitions=(
        Transition(
            "schedule",
            "安排约谈",
            ("to_schedule", "scheduled"),
            "scheduled",
            STAFF,
            payload=schemas.InterviewSchedule,
            note="时间、地点、双方人员和要谈的问题通知被约谈方；改期时重新安排。组织约谈的期限不变",
            authority=BY_ISSUER,
        ),
        Transition(
            "hold",
            "记录约谈",
            ("scheduled",),
            "held",
            STAFF,
            payload=schemas.InterviewRecord,
            note="被约谈方的每项承诺成为一个期限，按提醒方案预警、催办，直至约谈机关确认完成",
            authority=BY_ISSUER,
        ),
        Transition(
            "cancel",
            "取消约谈",
            ("to_schedule", "scheduled"),
            "cancelled",
            STAFF,
            payload=schemas.Reason,
            note="须说明理由，如隐患已在约谈前销号",
            authority=BY_ISSUER,
        ),
    ),
)
SUPERVISION_LIFECYCLE.publish_states(schemas.ActRead)
