from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from qingling import inputs
from qingling.credit_code import CreditCode
from qingling.inputs import DbId, HappenedAt, StrictBool
from qingling.lifecycle import Provisional
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp, choices
from qingling.standards import Clause, MajorReport, StandardCode
from reports.rewards.schemas import RewardNotice

Text = Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
Short = Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
IndustryCode = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,32}$")]  # the register's catalogue decides
MediaToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{20,43}$")]

PRIVACY_NOTICE_VERSION = "2026-11"
PRIVACY_NOTICE = (
    "举报人信息保护告知：您的姓名、联系方式和原始举报内容将加密保存，只有经授权的保管人员在说明理由并留痕后才能查看；"
    "不会告知被举报单位，未经您同意不会公开。转交办理部门和被举报单位的内容会去除可识别您身份的信息（包括照片中的拍摄设备、时间和位置）。"
    "您可以匿名举报：请妥善保存回执码和查询密码，凭此查看办理进展、补充材料；匿名举报的查询密码遗失后无法找回。"
)


class Category(StrEnum):
    MAJOR_HAZARD = "major_hazard"
    GENERAL_HAZARD = "general_hazard"
    ILLEGAL_ACT = "illegal_act"
    CONCEALED_ACCIDENT = "concealed_accident"


HAZARD_CATEGORIES = frozenset({Category.MAJOR_HAZARD, Category.GENERAL_HAZARD})

CATEGORY_TITLES = {
    Category.MAJOR_HAZARD: "重大事故隐患",
    Category.GENERAL_HAZARD: "一般事故隐患",
    Category.ILLEGAL_ACT: "安全生产违法行为",
    Category.CONCEALED_ACCIDENT: "瞒报谎报事故",
}
CHANNEL_TITLES = {
    "miniprogram": "微信小程序",
    "h5": "网页（H5）",
    "hotline_12350": "12350 举报电话",
    "hotline_12345": "12345 热线",
    "letter": "信件",
    "email": "电子邮件",
    "visit": "来访",
}


class PublicChannel(StrEnum):
    MINIPROGRAM = "miniprogram"
    H5 = "h5"


class StaffChannel(StrEnum):
    HOTLINE_12350 = "hotline_12350"
    HOTLINE_12345 = "hotline_12345"
    LETTER = "letter"
    EMAIL = "email"
    VISIT = "visit"


class Consent(Schema):
    """举报人已阅读并同意《举报人信息保护告知》（见 GET /api/v1/reports/privacy-notice）。"""

    notice_version: str = Field(description="所阅读的告知版本")
    agreed: Literal[True] = Field(description="须为 true")


class Reporter(Schema):
    """举报人身份与联系方式：加密保存，只有举报人信息保管人说明理由后可以查看。实名举报须同时提供姓名和手机号码。"""

    name: Annotated[inputs.Name, StringConstraints(strip_whitespace=True, min_length=2, max_length=30)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")] | None = Field(
        default=None, description="11 位手机号码"
    )
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")] | None = Field(
        default=None, description="居民身份证号码（可选）"
    )

    @property
    def real_name(self) -> bool:
        return bool(self.name and self.phone)


class TipOffContent(Schema):
    category: Category = Field(description="重大事故隐患、一般事故隐患、安全生产违法行为、瞒报谎报事故")
    facts: Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)] = Field(
        description="举报的具体事实：时间、地点、单位、现象"
    )
    enterprise_code: CreditCode | None = Field(default=None, description="被举报单位的统一社会信用代码（知道时填）")
    enterprise_name: Short | None = Field(default=None, description="被举报单位名称")
    target: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="不知道单位名称时，描述被举报的对象"
    )
    industry: IndustryCode | None = Field(
        default=None, description="行业领域代码（见 /api/v1/hazards/industries）；不知道可不填，由应急管理部门受理"
    )
    region_code: RegionCode = Field(description="事发地行政区划代码（县级或乡镇）")
    address: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    observed_at: HappenedAt | None = Field(default=None, description="发现时间（不晚于当前时间）")
    media: list[MediaToken] = Field(default_factory=list, max_length=9, description="先上传的照片、视频的令牌")
    employee: StrictBool = Field(default=False, description="举报人是否为被举报单位的从业人员")
    reporter: Reporter | None = Field(default=None, description="不填即匿名举报")
    consent: Consent

    @model_validator(mode="after")
    def _coordinates_in_pairs(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("经度和纬度须同时提供")
        return self


class TipOffSubmission(TipOffContent):
    """群众通过小程序或 H5 页面举报。"""

    channel: PublicChannel = Field(description="miniprogram 微信小程序；h5 网页")


class StaffSubmission(TipOffContent):
    """接线员代来电群众录入（或登记来信、来访、电子邮件）。consent 表示已向举报人宣读告知并取得同意。"""

    channel: StaffChannel
    call_reference: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=50)] | None = Field(
        default=None, description="来电流水号或来信编号"
    )
    call_at: HappenedAt | None = Field(default=None, description="来电时间")


class PrivacyNotice(Schema):
    """举报人信息保护告知：举报前展示，举报时在 consent.notice_version 中写明所同意的版本。"""

    version: str = Field(description="告知的版本，举报时原样写入 consent.notice_version")
    text: str = Field(description="告知全文")


class TipOffReceipt(Schema):
    """回执：回执码和查询密码只显示这一次，请举报人妥善保存。"""

    tip_off_id: int = Field(description="举报编号（接线员、工作人员据此查找和办理）")
    receipt_code: str = Field(description="回执码")
    secret: str = Field(description="查询密码：凭回执码和查询密码查看进展、补充材料；遗失后匿名举报无法找回")
    state: str
    state_title: str
    routed_to: str | None = Field(description="承办部门；暂未确定时为空")
    decision_due_at: Timestamp | None = Field(description="作出受理决定的期限")
    received_at: Timestamp


# ------------------------------------------------------------------------------ action payloads


class Reason(Schema):
    reason: Text = Field(description="理由（记入台账）")


class Transfer(Schema):
    """转办：交给本辖区内负责该行业的部门，或提交上一级的该行业部门。事发地有误、应由其他区县办理的，用“更正事发地”。"""

    industry: IndustryCode = Field(description="按此行业重新确定主办部门")
    region_code: RegionCode | None = Field(
        default=None, description="本辖区内更正地点（如具体到乡镇）；其他区县或省份的，用“更正事发地”（relocate）"
    )
    to_level_above: StrictBool = Field(default=False, description="true 提交上一级（如县级提交市级）的该行业部门")
    reason: Text = Field(description="转办理由（记入台账）")


class Relocation(Schema):
    """更正事发地：举报的地点有误，按实际地点交给当地负责的部门（可以跨区县、跨省），由其签收。"""

    region_code: RegionCode = Field(description="实际的事发地行政区划代码")
    industry: IndustryCode | None = Field(default=None, description="行业领域；不填则不变")
    reason: Text = Field(description="更正的理由（记入办理记录），如“经电话核实，事发地在莒县”")


class RefusalGround(StrEnum):
    DUPLICATE = "duplicate"
    NO_TARGET_OR_FACTS = "no_target_or_facts"
    OTHER_PROCEDURE = "other_procedure"
    EMPLOYEE_WITHOUT_NAME = "employee_without_name"


REFUSAL_GROUNDS = {
    RefusalGround.DUPLICATE: "同一事项已经受理（重复举报）",
    RefusalGround.NO_TARGET_OR_FACTS: "没有明确的被举报对象或具体事实",
    RefusalGround.OTHER_PROCEDURE: "属于信访、行政复议、诉讼或政府信息公开等其他程序处理的事项",
    RefusalGround.EMPLOYEE_WITHOUT_NAME: "从业人员举报本单位，未提供真实姓名和有效联系方式（应急〔2020〕69号）",
}


class Refusal(Schema):
    ground: RefusalGround = Field(
        description="不予受理的理由：" + "；".join(f"{g} {t}" for g, t in REFUSAL_GROUNDS.items())
    )
    duplicate_of: DbId | None = Field(default=None, description="重复举报时，已受理的同一事项的举报编号")
    explanation: Text = Field(description="告知举报人的说明")


class HandOver(Schema):
    authority: Short = Field(description="移送的机关，如“德清县公安局”")
    reason: Text = Field(description="告知举报人的移送理由")


class ExtensionRequest(Schema):
    days: int = Field(ge=1, le=30, description="延长的日数，最长 30 日")
    reason: Text = Field(description="延期理由（告知举报人）")


class Outcome(StrEnum):
    TRUE = "true"
    PARTLY_TRUE = "partly_true"
    UNTRUE = "untrue"
    UNVERIFIABLE = "unverifiable"


OUTCOME_TITLES = {
    Outcome.TRUE: "属实",
    Outcome.PARTLY_TRUE: "部分属实",
    Outcome.UNTRUE: "不属实",
    Outcome.UNVERIFIABLE: "无法核实",
}


HAZARD_GRADE_TITLES = {"general": "一般隐患", "major": "重大隐患"}  # the hazards service's grades


class HazardFinding(Schema):
    """核查属实的隐患：转为隐患服务中的一条隐患（来源：举报）。"""

    enterprise_code: CreditCode | None = Field(default=None, description="被举报单位；举报时未填的须在此填写")
    title: Short = Field(description="隐患名称")
    description: Text = Field(description="经核查的隐患情况（不要写入举报人信息）")
    grade: Literal["general", "major"] = Field(description=choices("隐患等级", HAZARD_GRADE_TITLES))
    basis_standard: StandardCode | None = Field(
        default=None,
        description="判定标准，如 GM2023；重大隐患必填，须在核查结论之日有效（见隐患服务 /standards）",
    )
    basis_clause: Clause | None = Field(default=None, description="判定条款，如 第三条(二)；重大隐患必填")
    tags: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,32}$")]] = Field(
        default_factory=list, description="专项整治标签（见隐患服务 /tags），可多选"
    )
    report: MajorReport | None = Field(default=None, description="重大隐患报告，重大隐患必填")
    confirm_identifiers: StrictBool = Field(
        default=False,
        description="隐患内容会发给被举报单位：其中与举报人自述的住址、亲属姓名、岗位相同，或提到举报人的文字，"
        "须经办理人核对后以 true 确认才能发出（记入办理记录）；未确认时答复 422 may-identify-reporter 并指出这些文字",
    )


class IllegalActFinding(Schema):
    case_no: Short = Field(description="立案编号")
    fine_yuan: int = Field(ge=0, le=inputs.MAX_COUNT, description="罚款金额（元）")


class Finding(Schema):
    outcome: Outcome = Field(description=choices("核查结论", OUTCOME_TITLES))
    findings: Text = Field(description="核查情况（书面）")
    hazard: HazardFinding | None = Field(default=None, description="属实或部分属实的隐患，须填写")
    illegal_act: IllegalActFinding | None = Field(default=None, description="属实的违法行为：立案编号与罚款")


class Reply(Schema):
    message: Text = Field(description="答复举报人的内容：核查结论、简要情况、处理决定、奖励资格")


class Merge(Schema):
    into: DbId = Field(description="并入的举报编号（同一事项、尚在办理中）")
    reason: Text = Field(description="并案理由（记入台账）")


class Objection(Schema):
    reason: Text = Field(description="对答复的异议及理由")


class ReExaminationDecision(StrEnum):
    UPHELD = "upheld"
    REVISED = "revised"


class ReExamination(Schema):
    decision: ReExaminationDecision = Field(description="复查决定：upheld 维持原核查结论；revised 变更核查结论")
    outcome: Outcome | None = Field(
        default=None, description=choices("变更后的核查结论（decision 为 revised 时必填）", OUTCOME_TITLES)
    )
    explanation: Text = Field(description="复查意见（告知举报人）")

    @model_validator(mode="after")
    def _revision_names_outcome(self):
        if self.decision is ReExaminationDecision.REVISED and self.outcome is None:
            raise ValueError("变更核查结论须填写 outcome")
        return self


# ------------------------------------------------------------------------- what the steps recorded


class _Record(Schema):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RefusalRecord(_Record):
    ground: RefusalGround
    explanation: str


class HandOverRecord(_Record):
    authority: str
    reason: str


class ExtensionRecord(_Record):
    reason: str
    requested_at: Timestamp


class ObjectionRecord(_Record):
    reason: str
    at: Timestamp
    entered_by: str


class ReExaminationRecord(_Record):
    decision: ReExaminationDecision
    outcome: Outcome | None = None
    explanation: str
    by: str
    at: Timestamp


class FirstReported(_Record):
    tip_off_id: int
    at: Timestamp


class TipOffDetails(_Record):
    """What the steps recorded that no figure or authority check needs as a column. Replaced
    whole (``model_copy(update=…)``), never changed in place."""

    refusal: RefusalRecord | None = None
    handed_over: HandOverRecord | None = None
    extension: ExtensionRecord | None = None
    finding: Finding | None = None
    objection: ObjectionRecord | None = None
    re_examination: ReExaminationRecord | None = None
    first_reported: FirstReported | None = None


class ConversionState(StrEnum):
    PENDING = "pending"
    CONVERTED = "converted"
    PARKED = "parked"


class Conversion(Schema):
    """属实隐患转为隐患的进展：隐患服务拒收的，由主办部门更正后重新转送（correct_conversion）。"""

    state: ConversionState = Field(
        description="pending 正在转送隐患服务；converted 已列入隐患清单；parked 隐患服务拒收，须更正后重新转送"
    )
    problem: str | None = Field(default=None, description="隐患服务拒收的原因（parked 时）")
    attempts: int = Field(default=0, description="已转送而未成功的次数")
    since: Timestamp | None = Field(default=None, description="本次转送的时间")


class HolderRead(Schema):
    department: str | None
    region_code: str
    kind: str
    handed_on_at: Timestamp
    by_action: str = Field(description="transfer 转办；relocate 更正事发地；take_over 被提级办理")


class TipOffRead(Schema):
    """办理人员看到的举报：举报事实已去除可识别举报人身份的信息，不含举报人姓名和联系方式。"""

    id: int
    receipt_code: str
    channel: str
    category: Category
    industry: str
    enterprise_code: str | None
    enterprise_name: str | None
    target: str | None
    region_code: str
    address: str | None
    latitude: float | None
    longitude: float | None
    observed_at: Timestamp | None
    facts: str
    real_name: bool = Field(description="是否实名（身份已密封）")
    employee: bool
    entered_by: str | None
    call_reference: str | None
    content_flag: str | None = Field(description="内容安全检查的提示")
    lead_department_id: int | None
    lead_department: str | None
    lead_region_code: str | None
    co_handlers: list[dict]
    state: str
    state_title: str
    allowed_actions: list[str] = Field(description="您现在可以进行的操作（按状态和您所在的部门）")
    handled_by: list[HolderRead] = Field(description="曾主办、已转出的部门（保留查看权限）")
    details: TipOffDetails
    accepted_at: Timestamp | None
    accepted_by_department: str | None = Field(description="受理的部门（谁受理谁奖励）")
    concluded_at: Timestamp | None
    outcome: Outcome | None = Field(description="核查结论（复查变更后为变更后的结论）")
    replied_at: Timestamp | None
    extension_days: int | None = Field(description="申请延长核查的日数")
    extension_decision: Literal["requested", "granted", "refused"] | None = Field(
        description="requested 待批；granted 已批准；refused 不予延期"
    )
    extension_decided_by: str | None = Field(description="决定延期的部门")
    duplicate_of: DbId | None = Field(description="并入或重复的已受理举报的编号")
    possible_duplicates: list[int] = Field(description="可能是同一事项的其他举报（同一单位，或相近地点的同类举报）")
    extended: bool
    hazard_id: int | None
    hazard_state: str | None
    conversion: Conversion | None = Field(description="核查属实转为隐患的进展；不转隐患的为空")
    step: str | None
    step_due_at: Timestamp | None
    step_provisional: Provisional
    step_overdue: bool
    received_at: Timestamp
    updated_at: Timestamp
    closed_at: Timestamp | None


# ------------------------------------------------------------------------------ the reporter's view


class MessageRead(Schema):
    id: int
    side: Literal["reporter", "handler"]
    kind: str = Field(
        description="notice 告知；reply 答复；question 办理人员的询问；reward 奖励；supplement 补充；answer 回答"
    )
    text: str
    in_reply_to: int | None = Field(default=None, description="所回答的询问")
    media: int = Field(default=0, description="随附的照片、视频数")
    at: Timestamp


ReporterAction = Literal["supplement", "object", "claim_reward"]


class ReporterView(Schema):
    """举报人凭回执码看到的办理进展：不含办理人员个人信息。"""

    receipt_code: str
    category: Category
    state: str
    state_title: str
    received_at: Timestamp
    step: str | None
    step_due_at: Timestamp | None
    step_provisional: Provisional
    step_overdue: bool
    outcome: str | None = Field(description="核查结论")
    hazard_state: str | None = Field(description="转为隐患后的整改进展")
    merged: bool = Field(description="已与同一事项的其他举报合并办理：进展和结果为合并后的办理情况")
    objection_due_at: Timestamp | None = Field(description="对答复可以提出异议的期限（答复后 10 日）")
    reward: RewardNotice | None = Field(description="举报奖励：评定后显示")
    allowed_actions: list[ReporterAction] = Field(
        description="您现在可以进行的操作：supplement 补充材料、回答询问（办结前）；"
        "object 对答复提出异议（期限内一次）；claim_reward 领取奖励（领取期限内）"
    )
    messages: list[MessageRead] = Field(description="每一步的告知、答复、询问和您补充的材料")


class Supplement(Schema):
    text: Text = Field(description="补充的情况，或对询问的回答")
    media: list[MediaToken] = Field(default_factory=list, max_length=9)
    in_reply_to: int | None = Field(default=None, description="回答办理人员的哪一条询问（messages 中的 id）")


class RevealCategory(StrEnum):
    VERIFICATION = "verification"
    REWARD_PAYOUT = "reward_payout"
    JUDICIAL = "judicial"
    REVIEW = "review"
    OTHER = "other"


REVEAL_CATEGORY_TITLES = {
    RevealCategory.VERIFICATION: "核查需要",
    RevealCategory.REWARD_PAYOUT: "奖励兑付",
    RevealCategory.JUDICIAL: "司法协查",
    RevealCategory.REVIEW: "复查复核",
    RevealCategory.OTHER: "其他",
}


class RevealRequest(Schema):
    """查看举报人身份须选择事由类别并具体说明理由；两者都记入办理记录。"""

    category: RevealCategory = Field(
        description="事由类别：verification 核查需要；reward_payout 奖励兑付；judicial 司法协查；"
        "review 复查复核；other 其他"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)] = Field(
        description="具体理由，至少 10 个字（记入办理记录），如“举报人申请领取奖励，须核实其身份证件”"
    )


class RevealedReporter(Schema):
    """举报人身份与原始举报内容（仅举报人信息保管人可见，每次查看均留痕）。"""

    tip_off_id: int
    name: str | None
    phone: str | None
    id_number: str | None
    subject: str | None = Field(description="小程序用户的内部编号（不是 openid）")
    facts: str = Field(description="原始举报内容")
    supplements: list[str] = Field(description="举报人补充材料的原文")
    revealed_at: Timestamp
