"""The tip-off lifecycle (domain.md §3), declared once with the same mechanism as the hazard's.
Routes, the 409 answers, the API documentation and the diagram in the README come from it."""

from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.lifecycle import Authority, Lifecycle, TimeLimit, Transition
from reports.tipoffs import schemas

HANDLERS = frozenset({Role.REGULATOR, Role.DEPARTMENT_LEADER})

# Who decides (domain.md §2–§3); the checks are in ``authority.py``.
LEAD = Authority(
    "lead",
    "主办部门",
    "按属地和行业确定的县级以上主办部门（domain.md §2、§3 Routing）；乡镇协助核查，安委办督办",
)
REPORTER = Authority(
    "reporter",
    "举报人本人（凭回执），或为来电人登记的辖区接线员",
    "答复后 10 日内可提出一次异议（domain.md §3 Reply）",
)
LEAD_OR_ABOVE = Authority(
    "lead_or_above",
    "主办部门或其上级同系统部门",
    "转办和更正事发地由主办部门进行，其上级同系统部门也可以（domain.md §3 Routing）",
)
CITY_OR_ABOVE = Authority(
    "city_or_above",
    "事发地的市级及以上部门",
    "市级及以上部门可以直接办理辖区内的举报（domain.md §3 Routing）",
)
LEVEL_ABOVE = Authority(
    "level_above",
    "主办部门的上一级同系统部门",
    "延期核查由上一级批准，对答复的异议由上一级复查（domain.md §3 Verify、Reply）",
)

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
        Transition("sign", "签收", ("received",), "signed", HANDLERS, authority=LEAD),
        Transition(
            "transfer",
            "转办",
            ("received", "signed"),
            "received",
            HANDLERS,
            payload=schemas.Transfer,
            authority=LEAD_OR_ABOVE,
            note=(
                "按行业（或本辖区内更正的地点）重新确定主办部门，由其签收；只能交给本辖区内的部门，"
                "或提交上一级的同行业部门（to_level_above），不能转到其他区县或省份；转出的部门保留查看权限；"
                "受理期限仍从接收之日起算"
            ),
        ),
        Transition(
            "relocate",
            "更正事发地",
            ("received", "signed"),
            "received",
            HANDLERS,
            payload=schemas.Relocation,
            authority=LEAD_OR_ABOVE,
            note=(
                "举报的地点有误的，按更正后的地点重新确定主办部门，可以跨区县、跨省；在办理记录中记为更正事发地，"
                "由接收的部门签收；转出的部门保留查看权限"
            ),
        ),
        Transition(
            "take_over",
            "提级办理",
            ("received", "signed"),
            "signed",
            HANDLERS,
            payload=schemas.Reason,
            authority=CITY_OR_ABOVE,
            note="本部门成为主办部门；原主办部门保留查看权限",
        ),
        Transition(
            "merge",
            "并案",
            ("received", "signed", "verifying", "extension_requested"),
            "merged",
            HANDLERS,
            payload=schemas.Merge,
            authority=LEAD,
            note="并入本部门主办的同一事项的另一件举报；举报人保留回执，办理进展和结果同样告知；最先举报的人记入奖励",
        ),
        Transition(
            "accept",
            "受理",
            ("signed",),
            "verifying",
            HANDLERS,
            limit=VERIFICATION_LIMIT,
            authority=LEAD,
            note="告知举报人；受理的部门负责奖励（谁受理谁奖励）",
        ),
        Transition(
            "refuse",
            "不予受理",
            ("signed",),
            "refused",
            HANDLERS,
            payload=schemas.Refusal,
            authority=LEAD,
            note="须选择法定理由，告知举报人",
        ),
        Transition(
            "hand_over",
            "移送",
            ("signed",),
            "handed_over",
            HANDLERS,
            payload=schemas.HandOver,
            authority=LEAD,
            note="不属于安全生产监管职责的，移送有权处理的机关并告知举报人",
        ),
        Transition(
            "request_extension",
            "申请延期核查",
            ("verifying",),
            "extension_requested",
            HANDLERS,
            payload=schemas.ExtensionRequest,
            authority=LEAD,
            note=f"只能延期一次，最长 {MAX_EXTENSION_DAYS} 日",
        ),
        Transition(
            "grant_extension",
            "批准延期核查",
            ("extension_requested",),
            "verifying",
            HANDLERS,
            payload=schemas.Reason,
            authority=LEVEL_ABOVE,
            note="告知举报人延期理由",
        ),
        Transition(
            "refuse_extension",
            "不予延期",
            ("extension_requested",),
            "verifying",
            HANDLERS,
            payload=schemas.Reason,
            authority=LEVEL_ABOVE,
        ),
        Transition(
            "conclude",
            "作出核查结论",
            ("verifying",),
            "concluded",
            HANDLERS,
            payload=schemas.Finding,
            limit=REPLY_LIMIT,
            authority=LEAD,
            note="属实或部分属实的隐患转为隐患，由隐患服务按举报编号只建一条",
        ),
        Transition(
            "correct_conversion",
            "更正后重新转为隐患",
            ("concluded", "replied", "objected", "re_examined", "closed"),
            None,
            HANDLERS,
            payload=schemas.HazardFinding,
            authority=LEAD,
            note="隐患服务拒收属实的隐患时（举报的 conversion 为 parked，附拒收原因），主办部门更正隐患内容"
            "（或在名录更正后原样）重新转送；被拒收的那次作废",
        ),
        Transition(
            "reply",
            "答复举报人",
            ("concluded",),
            "replied",
            HANDLERS,
            payload=schemas.Reply,
            authority=LEAD,
            note="答复核查结论、处理情况和奖励资格",
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
            authority=REPORTER,
            note=f"答复后 {OBJECTION_DAYS} 日内，只能提出一次；接线员可代来电的举报人登记",
        ),
        Transition(
            "re_examine",
            "复查",
            ("objected",),
            "re_examined",
            HANDLERS,
            payload=schemas.ReExamination,
            authority=LEVEL_ABOVE,
            note="复查结论告知举报人",
        ),
        Transition("close", "办结", ("replied", "re_examined"), "closed", HANDLERS, authority=LEAD),
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
    "relocate": "您举报的事项已按更正后的事发地转交当地部门办理。",
    "hand_over": "您举报的事项不属于安全生产监管部门的职责，已移送有权处理的机关。",
    "grant_extension": "您举报的事项情况复杂，核查期限已经批准延长。",
    "conclude": "您举报的事项已核查完毕，将在 10 日内答复您。",
    "reply": "答复：",
    "merge": "您的举报与同一事项的其他举报合并办理，办理进展和结果同样告知您。",
    "object": "您的异议已收到，将由上一级部门在 30 日内复查。",
    "re_examine": "复查结论：",
    "close": "您的举报已办结。",
}
TIP_OFF_LIFECYCLE.publish_states(schemas.TipOffReceipt, schemas.TipOffRead, schemas.ReporterView)
