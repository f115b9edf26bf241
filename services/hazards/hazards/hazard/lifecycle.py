"""The hazard lifecycle (domain.md §4), declared once: states, actions, the roles and the
authority (README "Who decides: authority by department") of each. Routes, the 409 and 403
answers, the API documentation, the README's diagram and authority table all come from this
declaration; ``service.RUNNER`` fires it, ``actions.py`` holds the effects and ``authority.py``
the checks."""

from hazards.hazard import schemas
from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.calendar import Unit
from qingling.lifecycle import Authority, Lifecycle, TimeLimit, Transition

STAFF = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE})
DEPARTMENTS = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER})  # the 安委办 is no supervising department
ENTERPRISE = frozenset({Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_CLIENT})

BY_ENTERPRISE = Authority(
    "enterprise", "隐患所属企业", "企业主要负责人对本单位隐患排查治理负责（§2、§4.4–4.7；安全生产法第四十一条）"
)
BY_REPORTER = Authority("reporter", "原上报方（本企业或检查上报人）或督办部门", "退回补正的由原上报方补正（§4）")
BY_SUPERVISING = Authority(
    "supervising",
    "督办部门",
    "负责隐患所在地、所属行业安全监管的部门（§2 三管三必须）：认定、受理、审核治理方案、停产停业、现场复核、审核把关",
)
BY_SUPERVISING_COUNTY = Authority(
    "supervising_county",
    "督办部门（县级及以上）",
    "监管部门确认重大隐患并下达限期整改指令（§4.2）；乡镇（街道）检查、记录、协助，不确认重大隐患",
)
BY_LISTER_CANDIDATE = Authority(
    "lister_candidate",
    "县级及以上负有该行业监管职责的部门或安委办（辖区覆盖隐患所在地）",
    "挂牌督办由政府或其安委会进行，默认县级（§1、§4.3）；乡镇不挂牌；挂牌者成为挂牌督办机关",
)
BY_LISTER = Authority(
    "lister",
    "挂牌督办机关（未挂牌的：督办部门）",
    "延期由挂牌机关决定（§4.6）；销号只由挂牌机关作出，须经督办部门审核把关（§4.9）；安委办不代其他挂牌机关行事",
)

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
        "close_out_checked": "督办部门已审核",
        "closed": "已销号",
    },
    initial="reported",
    final=frozenset({"rejected", "closed"}),
    transitions=(
        Transition(
            "return_for_correction",
            "退回补正",
            ("reported",),
            "returned",
            DEPARTMENTS,
            payload=schemas.Reason,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "resubmit",
            "补正后重新上报",
            ("returned",),
            "reported",
            ENTERPRISE | STAFF,
            payload=schemas.Correction,
            authority=BY_REPORTER,
        ),
        Transition(
            "regrade",
            "调整等级",
            ("reported", "returned"),
            None,
            DEPARTMENTS,
            payload=schemas.Regrade,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "reject",
            "不予认定",
            ("reported",),
            "rejected",
            DEPARTMENTS,
            payload=schemas.Reason,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "accept_general",
            "受理一般隐患并限期整改",
            ("reported",),
            "rectifying",
            DEPARTMENTS,
            payload=schemas.GeneralOrder,
            limit=TimeLimit(30, Unit.CALENDAR_DAYS, "完成整改"),
            note="仅适用于一般隐患；整改期限可另行指定，不指定的即此期限",
            authority=BY_SUPERVISING,
        ),
        Transition(
            "confirm_major",
            "确认重大隐患并下达限期整改指令",
            ("reported",),
            "confirmed",
            DEPARTMENTS,
            payload=schemas.MajorConfirmation,
            note="仅适用于重大隐患",
            authority=BY_SUPERVISING_COUNTY,
        ),
        Transition(
            "list",
            "挂牌督办",
            ("confirmed",),
            "listed",
            STAFF,
            payload=schemas.Listing,
            limit=TimeLimit(15, Unit.CALENDAR_DAYS, "提交治理方案"),
            note="督办文号同一挂牌机关同一年度唯一；整改期限不超过一年；可指定本辖区内的其他督办部门",
            authority=BY_LISTER_CANDIDATE,
        ),
        Transition(
            "submit_plan",
            "提交治理方案",
            ("listed",),
            "plan_submitted",
            ENTERPRISE,
            payload=schemas.Plan,
            authority=BY_ENTERPRISE,
        ),
        Transition(
            "accept_plan", "同意治理方案", ("plan_submitted",), "rectifying", DEPARTMENTS, authority=BY_SUPERVISING
        ),
        Transition(
            "return_plan",
            "退回治理方案",
            ("plan_submitted",),
            "listed",
            DEPARTMENTS,
            payload=schemas.Reason,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "report_progress",
            "报告整改进展",
            ("rectifying",),
            None,
            ENTERPRISE,
            payload=schemas.Progress,
            authority=BY_ENTERPRISE,
        ),
        Transition(
            "suspend_production",
            "责令停产停业治理",
            ("rectifying",),
            None,
            DEPARTMENTS,
            payload=schemas.Reason,
            note="停产停业期间整改期限暂停计算",
            authority=BY_SUPERVISING,
        ),
        Transition(
            "resume_production",
            "恢复生产经营",
            ("rectifying",),
            None,
            DEPARTMENTS,
            note="整改期限顺延停产停业的天数",
            authority=BY_SUPERVISING,
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
            authority=BY_ENTERPRISE,
        ),
        Transition(
            "grant_extension",
            "批准延期",
            ("extension_requested",),
            "rectifying",
            STAFF,
            payload=schemas.Reason,
            authority=BY_LISTER,
        ),
        Transition(
            "refuse_extension",
            "不予延期",
            ("extension_requested",),
            "rectifying",
            STAFF,
            payload=schemas.Reason,
            authority=BY_LISTER,
        ),
        Transition(
            "apply_completion",
            "整改完成，申请销号",
            ("rectifying",),
            "completion_applied",
            ENTERPRISE,
            payload=schemas.Completion,
            limit=TimeLimit(10, Unit.CALENDAR_DAYS, "现场复核"),
            authority=BY_ENTERPRISE,
        ),
        Transition(
            "start_review",
            "开始现场复核",
            ("completion_applied",),
            "under_review",
            DEPARTMENTS,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "pass_review",
            "复核通过",
            ("under_review",),
            "review_passed",
            DEPARTMENTS,
            payload=schemas.ReviewResult,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "fail_review",
            "复核不通过，继续整改",
            ("under_review",),
            "rectifying",
            DEPARTMENTS,
            payload=schemas.ReviewResult,
            authority=BY_SUPERVISING,
        ),
        Transition(
            "check_close_out",
            "督办部门审核把关",
            ("review_passed",),
            "close_out_checked",
            DEPARTMENTS,
            payload=schemas.CloseOutCheck,
            note="督办部门记录审核意见（谁、何时）；此后挂牌督办机关方可销号",
            authority=BY_SUPERVISING,
        ),
        Transition(
            "close",
            "销号",
            ("close_out_checked",),
            "closed",
            STAFF,
            payload=schemas.CloseOut,
            note="须经督办部门审核把关",
            authority=BY_LISTER,
        ),
    ),
)
HAZARD_LIFECYCLE.publish_states(schemas.HazardRead)
