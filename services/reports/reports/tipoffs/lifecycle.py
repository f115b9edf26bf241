"""The tip-off lifecycle (domain.md §3), declared once with the same mechanism as the hazard's.
Routes, the 409 answers, the API documentation and the diagram in the README come from it."""

from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.lifecycle import Lifecycle, TimeLimit, Transition
from reports.tipoffs import schemas

HANDLERS = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER})
LEAD_ONLY = "仅主办部门"

DECISION_LIMIT = TimeLimit(5, Unit.WORKING_DAYS, "作出受理或不予受理决定")  # from receipt
VERIFICATION_LIMIT = TimeLimit(60, Unit.CALENDAR_DAYS, "完成核查")  # from acceptance
MAX_EXTENSION_DAYS = 30
REPLY_LIMIT = TimeLimit(10, Unit.CALENDAR_DAYS, "答复举报人")  # from the finding
OBJECTION_DAYS = 10  # 日 from the reply, for the reporter (not a step of the handlers')
RE_EXAMINATION_LIMIT = TimeLimit(30, Unit.CALENDAR_DAYS, "复查")  # from the objection

TIP_OFF_LIFECYCLE = Lifecycle(
    name="tip_off",
    title="举报",
    states={
        "received": "已接收（待签收）",
        "signed": "已签收（待受理）",
        "refused": "不予受理",
        "handed_over": "已移送",
        "verifying": "核查中",
        "extension_requested": "延期核查待批",
        "concluded": "已核查（待答复）",
        "replied": "已答复",
        "objected": "复查中（举报人提出异议）",
        "re_examined": "已复查",
        "merged": "已并案办理",
        "closed": "已办结",
    },
    initial="received",
    final=frozenset({"refused", "handed_over", "merged", "closed"}),
    transitions=(
        Transition("sign", "签收", ("received",), "signed", HANDLERS, note=LEAD_ONLY),
        Transition(
            "transfer",
            "转办",
            ("received", "signed"),
            "received",
            HANDLERS,
            payload=schemas.Transfer,
            note="按新的地区或行业重新确定主办部门，由其签收；受理期限仍从接收之日起算",
        ),
        Transition(
            "take_over",
            "提级办理",
            ("received", "signed"),
            "signed",
            HANDLERS,
            payload=schemas.Reason,
            note="市级及以上部门可直接办理辖区内的举报，本部门成为主办部门",
        ),
        Transition(
            "merge",
            "并案",
            ("received", "signed", "verifying", "extension_requested"),
            "merged",
            HANDLERS,
            payload=schemas.Merge,
            note="由并入的举报的主办部门进行；举报人保留回执，办理进展和结果同样告知；最先举报的人记入奖励",
        ),
        Transition(
            "accept",
            "受理",
            ("signed",),
            "verifying",
            HANDLERS,
            limit=VERIFICATION_LIMIT,
            note=f"{LEAD_ONLY}；告知举报人",
        ),
        Transition(
            "refuse",
            "不予受理",
            ("signed",),
            "refused",
            HANDLERS,
            payload=schemas.Refusal,
            note=f"{LEAD_ONLY}；须选择法定理由，告知举报人",
        ),
        Transition(
            "hand_over",
            "移送",
            ("signed",),
            "handed_over",
            HANDLERS,
            payload=schemas.HandOver,
            note=f"{LEAD_ONLY}；不属于安全生产监管职责的，移送有权处理的机关并告知举报人",
        ),
        Transition(
            "request_extension",
            "申请延期核查",
            ("verifying",),
            "extension_requested",
            HANDLERS,
            payload=schemas.ExtensionRequest,
            note=f"{LEAD_ONLY}；只能延期一次，最长 {MAX_EXTENSION_DAYS} 日",
        ),
        Transition(
            "grant_extension",
            "批准延期核查",
            ("extension_requested",),
            "verifying",
            HANDLERS,
            payload=schemas.Reason,
            note="由主办部门的上一级部门批准；告知举报人延期理由",
        ),
        Transition(
            "refuse_extension",
            "不予延期",
            ("extension_requested",),
            "verifying",
            HANDLERS,
            payload=schemas.Reason,
            note="由主办部门的上一级部门决定",
        ),
        Transition(
            "conclude",
            "作出核查结论",
            ("verifying",),
            "concluded",
            HANDLERS,
            payload=schemas.Finding,
            limit=REPLY_LIMIT,
            note=f"{LEAD_ONLY}；属实或部分属实的隐患转为隐患，由隐患服务按举报编号只建一条",
        ),
        Transition(
            "reply",
            "答复举报人",
            ("concluded",),
            "replied",
            HANDLERS,
            payload=schemas.Reply,
            note=f"{LEAD_ONLY}；答复核查结论、处理情况和奖励资格",
        ),
        Transition(
            "object",
            "提出异议",
            ("replied", "closed"),
            "objected",
            frozenset({Role.OPERATOR}),
            payload=schemas.Objection,
            limit=RE_EXAMINATION_LIMIT,
            reporter=True,
            note=f"答复后 {OBJECTION_DAYS} 日内，只能提出一次；接线员可代来电的举报人登记",
        ),
        Transition(
            "re_examine",
            "复查",
            ("objected",),
            "re_examined",
            HANDLERS,
            payload=schemas.ReExamination,
            note="由主办部门的上一级部门复查；复查结论告知举报人",
        ),
        Transition("close", "办结", ("replied", "re_examined"), "closed", HANDLERS, note=LEAD_ONLY),
    ),
)

# States in which a time limit runs. A transition declaring a limit starts it; moving within these
# states keeps the one running (签收 and 转办 do not restart the five working days); leaving them ends it.
TIMED_STATES = frozenset({"received", "signed", "verifying", "extension_requested", "concluded", "objected"})
# What the reporter is told at each step (shown by receipt; the handlers' words are added to it).
REPORTER_NOTICES = {
    "receive": "您的举报已收到，将在 5 个工作日内决定是否受理。",
    "accept": "您的举报已受理，正在核查。",
    "refuse": "您的举报不予受理。",
    "hand_over": "您举报的事项不属于安全生产监管部门的职责，已移送有权处理的机关。",
    "grant_extension": "您举报的事项情况复杂，核查期限已经批准延长。",
    "conclude": "您举报的事项已核查完毕，将在 10 日内答复您。",
    "reply": "答复：",
    "merge": "您的举报与同一事项的其他举报合并办理，办理进展和结果同样告知您。",
    "object": "您的异议已收到，将由上一级部门在 30 日内复查。",
    "re_examine": "复查结论：",
    "close": "您的举报已办结。",
}
