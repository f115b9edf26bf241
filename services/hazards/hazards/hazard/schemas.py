from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hazards.enterprises.schemas import TagCode
from qingling import inputs
from qingling.inputs import BoundedDate, DbId, HappenedAt
from qingling.lifecycle import Provisional, TimeBasis
from qingling.schemas import Schema, Timestamp, choices
from qingling.standards import Clause, MajorReport, StandardCode

Grade = Literal["general", "major"]
GRADE_TITLES = {"general": "一般隐患", "major": "重大隐患"}
GRADE = choices("等级", GRADE_TITLES)
TAGS = "专项整治标签（见 /tags），可多选"
SOURCE_TITLES = {"self_report": "企业自查自报", "inspection": "监督检查发现", "tip_off": "群众举报核查"}
Text = Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
Short = Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class HazardReport(Schema):
    title: Short = Field(description="隐患名称")
    description: Text = Field(description="隐患描述：部位、现状")
    grade: Grade = Field(description=GRADE)
    basis_standard: StandardCode | None = Field(
        default=None, description="判定标准，如 GM2023；重大隐患必填，须在发现之日有效"
    )
    basis_clause: Clause | None = Field(default=None, description="判定条款，如 第三条(二)；重大隐患必填")
    tags: list[TagCode] = Field(default_factory=list, description=TAGS)
    found_at: HappenedAt = Field(description="发现时间（不晚于当前时间，不早于 1949-10-01）")
    report: MajorReport | None = Field(default=None, description="重大隐患报告；重大隐患必填")


class HazardCreate(HazardReport):
    enterprise_id: DbId | None = Field(default=None, description="检查发现时必填；企业自报时为本企业，无须填写")


class BatchReport(Schema):
    """企业系统批量自报：一次最多 1,000 条；任何一条有误则整批不保存。"""

    items: list[HazardReport] = Field(min_length=1, description="隐患列表（最多 1,000 条）")


class BatchResult(Schema):
    created: int
    hazard_ids: list[int] = Field(description="与提交顺序一一对应的隐患 ID")


class LedgerRow(Schema):
    """隐患台账中的一行（已有台账导入）。"""

    enterprise_code: str | None = Field(default=None, description="统一社会信用代码；企业导入本企业台账时可不填")
    title: Short
    description: Text
    grade: Grade
    basis_standard: StandardCode | None = None
    basis_clause: Clause | None = None
    found_on: BoundedDate = Field(description="发现日期；2024 年以前的计为存量隐患")
    status: Literal["open", "rectifying", "closed"] = Field(description="未整改 / 整改中 / 已销号")
    deadline: BoundedDate | None = Field(default=None, description="整改期限；整改中的必填")
    closed_on: BoundedDate | None = Field(default=None, description="销号日期；已销号的必填")
    report: MajorReport | None = None


class LedgerResult(Schema):
    created: int
    pre_2024_stock: int = Field(description="其中 2024 年以前的存量隐患")
    hazard_ids: list[int] = Field(description="与表中各行（第 2 行起）一一对应的隐患 ID")


class TipOffHazard(Schema):
    """举报核查属实后转为隐患：由举报服务调用，按举报编号幂等。"""

    enterprise_code: str = Field(description="被举报单位的统一社会信用代码（须已登记）")
    title: Short
    description: Text = Field(description="经核查的隐患情况（不含举报人信息）")
    grade: Grade
    basis_standard: StandardCode | None = None
    basis_clause: Clause | None = None
    tags: list[TagCode] = Field(default_factory=list)
    found_at: HappenedAt = Field(description="核查确认时间")
    verified_by: Short = Field(description="核查部门")
    report: MajorReport | None = None


class Reason(Schema):
    reason: Text = Field(description="理由（将告知对方并记入台账）")


class Correction(Schema):
    description: Text | None = Field(default=None, description="更正后的隐患描述：部位、现状")
    report: MajorReport | None = None


class Regrade(Schema):
    grade: Grade = Field(description=choices("改定的等级", GRADE_TITLES))
    basis_standard: StandardCode | None = Field(default=None, description="判定标准，如 GM2023；改定为重大隐患时必填")
    basis_clause: Clause | None = Field(default=None, description="判定条款，如 第三条(二)；改定为重大隐患时必填")
    reason: Text = Field(description="改定等级的理由（告知企业并记入台账）")


class GeneralOrder(Schema):
    """一般隐患“五定”：措施、责任人、资金、时限、验收人。"""

    measures: Text = Field(description="整改措施")
    responsible_person: Short = Field(description="整改责任人")
    funds: Short = Field(description="资金来源与数额")
    acceptor: Short = Field(description="验收人")
    deadline: BoundedDate | None = Field(default=None, description="整改期限（含当日）；不填则为 30 日")


class MajorConfirmation(Schema):
    order_no: Short = Field(description="限期整改指令书文号")
    note: Text | None = Field(default=None, description="备注")


class Listing(Schema):
    """挂牌督办通知要素。"""

    notice_no: Annotated[str, StringConstraints(pattern=r"^〔(\d{4})〕\d{1,4}号$")] = Field(
        description="督办文号，如〔2024〕3号；同一挂牌机关同一年度不得重复"
    )
    listed_on: BoundedDate = Field(description="挂牌日期")
    deadline: BoundedDate = Field(description="整改期限（含当日），不超过挂牌之日起一年")
    measures: Text = Field(description="督办整改要求与措施")
    responsible_unit: Short = Field(description="责任单位")
    responsible_person: Short = Field(description="责任人")
    supervising_department_id: DbId = Field(description="负责督办的监管部门")


class Plan(Schema):
    """重大事故隐患治理方案的六项内容。"""

    goals: Text = Field(description="治理的目标和任务")
    measures: Text = Field(description="采取的方法和措施")
    funds_and_materials: Text = Field(description="经费和物资的落实")
    people: Text = Field(description="负责治理的机构和人员")
    time_limit: Text = Field(description="治理的时限和要求")
    safety_measures: Text = Field(description="安全措施和应急预案")


class Progress(Schema):
    summary: Text = Field(description="整改进展情况")
    percent: int = Field(ge=0, le=100, description="完成比例（%）")


class ExtensionRequest(Schema):
    requested_deadline: BoundedDate = Field(description="申请延至（含当日）")
    reason: Text = Field(description="申请延期的理由")


class Completion(Schema):
    summary: Text = Field(description="整改完成情况")
    evaluated_by: Literal["in_house_experts", "assessment_agency"] = Field(
        description="评估：in_house_experts 本单位技术人员和专家；assessment_agency 安全评价机构"
    )
    evaluation: Text = Field(description="评估结论")


class ReviewResult(Schema):
    findings: Text = Field(description="现场复核意见")


class CloseOutCheck(Schema):
    """督办部门审核把关：销号前由督办部门记录审核意见（谁、何时由系统记录）。"""

    findings: Text = Field(description="审核意见：整改是否到位、是否同意销号")


class CloseOut(Schema):
    opinion: Text = Field(description="销号意见（挂牌督办机关；未挂牌的为督办部门）")


# ------------------------------------------------------------------- what each step recorded


class ListingRecord(Listing):
    lister: str = Field(description="挂牌操作人")


class ExtensionRecord(ExtensionRequest):
    in_window: bool = Field(description="是否在期限届满前 20 个工作日内提出")
    requested_at: Timestamp
    granted: bool | None = None
    decision: str | None = Field(default=None, description="决定理由")
    decided_at: Timestamp | None = None


class CloseOutCheckRecord(CloseOutCheck):
    by: str = Field(description="审核人")
    department: str = Field(description="审核部门（督办部门）")
    at: Timestamp


class CloseOutRecord(Schema):
    opinion: str | None = None
    supervising_check: str | None = Field(
        default=None, description="审核把关成为督办部门自己的操作之前，销号时填写的审核意见（历史记录）"
    )


class HazardDetails(Schema):
    """每一步记录的内容，按提交时保存。"""

    # Replaced whole (``model_copy(update=…)``), never changed in place: the column sees only assignments.
    model_config = ConfigDict(frozen=True)

    report: MajorReport | None = Field(default=None, description="重大隐患报告")
    returned: Reason | None = Field(default=None, description="退回补正")
    rejection: Reason | None = Field(default=None, description="不予认定")
    order: GeneralOrder | None = Field(default=None, description="一般隐患“五定”整改要求")
    deadline_basis: TimeBasis | None = None  # how a deadline counted from a time limit was computed
    confirmation: MajorConfirmation | None = Field(default=None, description="重大隐患确认与限期整改指令")
    listing: ListingRecord | None = Field(default=None, description="挂牌督办通知")
    plan: Plan | None = Field(default=None, description="治理方案")
    plan_returned: Reason | None = Field(default=None, description="治理方案退回理由")
    progress: Progress | None = Field(default=None, description="最近一次整改进展")
    extension: ExtensionRecord | None = Field(default=None, description="最近一次延期申请及决定")
    completion: Completion | None = Field(default=None, description="整改完成与评估")
    review: ReviewResult | None = Field(default=None, description="最近一次现场复核意见")
    close_out_check: CloseOutCheckRecord | None = Field(default=None, description="督办部门审核把关")
    close_out: CloseOutRecord | None = Field(default=None, description="销号")


class DepartmentRef(Schema):
    id: int
    region_code: str
    kind: str
    name: str


class ListerRef(Schema):
    region_code: str
    kind: str = Field(description="部门类别，或 committee（安委会/安委办）")
    name: str


class CloseOutCheckRef(Schema):
    by: str
    department: str
    at: Timestamp


class HazardRead(Schema):
    id: int
    source: str
    source_ref: str | None
    enterprise_id: int
    enterprise_code: str
    region_code: str
    industry: str
    title: str
    description: str
    grade: Grade
    basis_standard: StandardCode | None
    basis_clause: str | None
    tags: list[str]
    found_at: Timestamp
    pre_2024_stock: bool = Field(description="2024 年以前发现的存量隐患")
    state: str
    state_title: str
    allowed_actions: list[str] = Field(description="您现在可以进行的操作（按状态和您的职责）")
    details: HazardDetails
    supervising_department_id: int | None = Field(description="督办（监管）部门")
    supervising_department: DepartmentRef | None = Field(
        description="督办（监管）部门：上报时按行业和属地从部门设置中确定"
    )
    lister_region_code: str | None
    lister: ListerRef | None = Field(description="挂牌督办机关")
    listed_on: date | None = Field(description="挂牌日期")
    notice_no: str | None
    extension_granted: bool | None = Field(description="最近一次延期申请是否获批（未决定为空）")
    extension_decided_at: Timestamp | None = Field(description="最近一次延期决定的时间")
    suspended_days: int = Field(description="停产停业治理累计顺延的天数")
    close_out_check: CloseOutCheckRef | None = Field(description="督办部门审核把关：谁、哪个部门、何时")
    recurrence_of_id: int | None = Field(
        description="复发自：回头看不合格时新建的隐患，为其所复发的已销号重大隐患的 ID；其他隐患为 null"
    )
    deadline_at: Timestamp | None = Field(description="整改期限（截止时刻）")
    original_deadline_at: Timestamp | None
    deadline_provisional: Provisional
    overdue: bool
    days_overdue: int
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: Timestamp | None
    step_provisional: Provisional
    step_overdue: bool
    production_suspended: bool
    created_at: Timestamp
    updated_at: Timestamp
    closed_at: Timestamp | None
