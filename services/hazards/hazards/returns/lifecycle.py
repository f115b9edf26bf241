"""The return's lifecycle (issue 19; domain.md §7), declared once: opened by the sweep when its
period ends (state ``due``, its deadline the step's limit) → prepared (the figures as of the
period's last instant, stored) → submitted by the department's leader → received by the 安委办 of
the same level, or sent back with a reason (a new limit to resubmit). Routes, 409/403 answers and
documentation come from this declaration; ``service.RUNNER`` fires it."""

from hazards.returns import schemas
from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.lifecycle import Authority, Lifecycle, TimeLimit, Transition

DEPARTMENT = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER})
LEADER = frozenset({Role.DEPARTMENT_LEADER})
COMMITTEE = frozenset({Role.SAFETY_COMMITTEE})
RESUBMIT_WITHIN = TimeLimit(3, Unit.WORKING_DAYS, "修改后重新报送")  # default: no rule names one

BY_DEPARTMENT = Authority(
    "department",
    "报送部门",
    "各负有安全监管职责的部门按期向本级安委办报送本行业领域的隐患排查治理情况（§7；seed 000：每月20日前汇总上报）",
)
BY_COMMITTEE = Authority(
    "committee",
    "本级安委办",
    "部门的报表报本级安委会办公室，由其汇总、通报（§2、§7：Departments … to the same-level 安委办）",
)

RETURN_LIFECYCLE = Lifecycle(
    name="return",
    title="报表",
    states={
        "due": "待编制",
        "prepared": "已编制待报送",
        "submitted": "已报送",
        "sent_back": "已退回",
        "received": "已签收",
    },
    initial="due",
    final=frozenset({"received"}),
    transitions=(
        Transition(
            "prepare",
            "编制报表（按报告期末取数）",
            ("due", "prepared", "sent_back"),
            "prepared",
            DEPARTMENT,
            payload=schemas.Preparation,
            note="按报告期最后一刻取隐患和举报的统计数字并保存；重新编制时重新取数。报送期限不变",
            authority=BY_DEPARTMENT,
        ),
        Transition(
            "submit",
            "报送",
            ("prepared",),
            "submitted",
            LEADER,
            payload=schemas.Submission,
            note="报表经部门负责人审核后报送本级安委办；超过期限报送的标注为逾期报送",
            authority=BY_DEPARTMENT,
        ),
        Transition(
            "send_back",
            "退回",
            ("submitted",),
            "sent_back",
            COMMITTEE,
            payload=schemas.SendBack,
            limit=RESUBMIT_WITHIN,
            note="须说明理由；报送部门修改（重新编制）后重新报送",
            authority=BY_COMMITTEE,
        ),
        Transition(
            "receive",
            "签收",
            ("submitted",),
            "received",
            COMMITTEE,
            payload=schemas.Receipt,
            authority=BY_COMMITTEE,
        ),
    ),
)
RETURN_LIFECYCLE.publish_states(schemas.ReturnRead)
