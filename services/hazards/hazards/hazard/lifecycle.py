"""The hazard lifecycle (domain.md §4), declared once. Routes, the 409 answers, the API
documentation and the diagram in the README all come from this declaration."""

from hazards.hazard import schemas
from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.calendar import Unit
from qingling.lifecycle import Lifecycle, TimeLimit, Transition

STAFF = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE})
ENTERPRISE = frozenset({Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_CLIENT})
LISTER_ONLY = "仅挂牌机关（重大隐患）或辖区监管部门（一般隐患）"

HAZARD_LIFECYCLE = Lifecycle(
    client_scope=Scope.HAZARDS_WRITE,
    name="hazard",
    title="事故隐患",
    states={
        "reported": "已上报",
        "returned": "退回补正",
        "rejected": "不予认定",
        "confirmed": "已确认（限期整改）",
        "listed": "挂牌督办",
        "plan_submitted": "治理方案待审",
        "rectifying": "整改中",
        "extension_requested": "延期待批",
        "completion_applied": "申请销号",
        "under_review": "现场复核中",
        "review_passed": "复核通过",
        "closed": "已销号",
    },
    initial="reported",
    final=frozenset({"rejected", "closed"}),
    transitions=(
        Transition("return_for_correction", "退回补正", ("reported",), "returned", STAFF, payload=schemas.Reason),
        Transition(
            "resubmit", "补正后重新上报", ("returned",), "reported", ENTERPRISE | STAFF, payload=schemas.Correction
        ),
        Transition("regrade", "调整等级", ("reported", "returned"), None, STAFF, payload=schemas.Regrade),
        Transition("reject", "不予认定", ("reported",), "rejected", STAFF, payload=schemas.Reason),
        Transition(
            "accept_general",
            "受理一般隐患并限期整改",
            ("reported",),
            "rectifying",
            STAFF,
            payload=schemas.GeneralOrder,
            limit=TimeLimit(30, Unit.CALENDAR_DAYS, "完成整改"),
            note="仅适用于一般隐患；整改期限可另行指定",
        ),
        Transition(
            "confirm_major",
            "确认重大隐患并下达限期整改指令",
            ("reported",),
            "confirmed",
            STAFF,
            payload=schemas.MajorConfirmation,
            note="仅适用于重大隐患",
        ),
        Transition(
            "list",
            "挂牌督办",
            ("confirmed",),
            "listed",
            STAFF,
            payload=schemas.Listing,
            limit=TimeLimit(15, Unit.CALENDAR_DAYS, "提交治理方案"),
            note="县级及以上挂牌；督办文号同一挂牌机关同一年度唯一；整改期限不超过一年",
        ),
        Transition("submit_plan", "提交治理方案", ("listed",), "plan_submitted", ENTERPRISE, payload=schemas.Plan),
        Transition("accept_plan", "同意治理方案", ("plan_submitted",), "rectifying", STAFF),
        Transition("return_plan", "退回治理方案", ("plan_submitted",), "listed", STAFF, payload=schemas.Reason),
        Transition("report_progress", "报告整改进展", ("rectifying",), None, ENTERPRISE, payload=schemas.Progress),
        Transition(
            "suspend_production",
            "责令停产停业治理",
            ("rectifying",),
            None,
            STAFF,
            payload=schemas.Reason,
            note="停产停业期间整改期限暂停计算",
        ),
        Transition(
            "resume_production", "恢复生产经营", ("rectifying",), None, STAFF, note="整改期限顺延停产停业的天数"
        ),
        Transition(
            "request_extension",
            "申请延期",
            ("rectifying",),
            "extension_requested",
            ENTERPRISE,
            payload=schemas.ExtensionRequest,
            limit=TimeLimit(10, Unit.WORKING_DAYS, "作出延期决定"),
            note="应在期限届满前 20 个工作日内提出；窗口之外的申请予以标注，仍可作出决定",
        ),
        Transition(
            "grant_extension",
            "批准延期",
            ("extension_requested",),
            "rectifying",
            STAFF,
            payload=schemas.Reason,
            note=LISTER_ONLY,
        ),
        Transition(
            "refuse_extension",
            "不予延期",
            ("extension_requested",),
            "rectifying",
            STAFF,
            payload=schemas.Reason,
            note=LISTER_ONLY,
        ),
        Transition(
            "apply_completion",
            "整改完成，申请销号",
            ("rectifying",),
            "completion_applied",
            ENTERPRISE,
            payload=schemas.Completion,
            limit=TimeLimit(10, Unit.CALENDAR_DAYS, "现场复核"),
        ),
        Transition("start_review", "开始现场复核", ("completion_applied",), "under_review", STAFF),
        Transition("pass_review", "复核通过", ("under_review",), "review_passed", STAFF, payload=schemas.ReviewResult),
        Transition(
            "fail_review",
            "复核不通过，继续整改",
            ("under_review",),
            "rectifying",
            STAFF,
            payload=schemas.ReviewResult,
        ),
        Transition(
            "close",
            "销号",
            ("review_passed",),
            "closed",
            STAFF,
            payload=schemas.CloseOut,
            note=f"{LISTER_ONLY}，须经督办部门审核",
        ),
    ),
)
