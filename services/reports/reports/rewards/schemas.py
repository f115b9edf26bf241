from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from qingling import inputs
from qingling.inputs import MAX_COUNT, BoundedDate, StrictBool
from qingling.lifecycle import Provisional
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp, choices
from reports.rewards.rules import ACCIDENT_GRADE_TITLES, AccidentGrade

Text = Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class Ineligible(StrEnum):
    GENERAL_HAZARD = "general_hazard"
    KNOWN_BEFORE = "known_before"
    STAFF_REPORTER = "staff_reporter"
    ANONYMOUS = "anonymous"
    DECLINED = "declined"


INELIGIBLE_TITLES = {
    Ineligible.GENERAL_HAZARD: "一般事故隐患不在举报奖励范围内",
    Ineligible.KNOWN_BEFORE: "被举报单位或监管部门事先已经发现或掌握举报的事项",
    Ineligible.STAFF_REPORTER: "举报人为负有安全生产监管职责的工作人员或其近亲属",
    Ineligible.ANONYMOUS: "本地区的举报奖励办法只奖励实名举报，本事项的举报人均未实名",
    Ineligible.DECLINED: "经部门负责人审核不予奖励",
}
NOT_FIRST = "同一事项的奖励只发给第一位符合条件的举报人"


class Assessment(Schema):
    """受理举报的部门评定举报奖励：按本地区的奖励办法计算金额，判断是否符合奖励条件。"""

    basis: Literal["fine", "accident"] = Field(
        description="计奖依据：fine 按罚款金额（重大事故隐患、违法行为）；accident 按瞒报谎报事故的死亡人数"
    )
    fine_yuan: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="罚款金额（元）")
    penalty_ref: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="行政处罚决定书文号"
    )
    accident_grade: AccidentGrade | None = Field(default=None, description=choices("事故等级", ACCIDENT_GRADE_TITLES))
    deaths: int | None = Field(default=None, ge=1, le=1000, description="核实的瞒报死亡人数")
    known_before: StrictBool = Field(description="被举报单位或监管部门事先是否已经发现或掌握")
    reporter_is_staff: StrictBool = Field(description="举报人是否为负有安全生产监管职责的工作人员或其近亲属")

    @model_validator(mode="after")
    def _basis_has_its_figures(self):
        needed = ("fine_yuan",) if self.basis == "fine" else ("accident_grade", "deaths")
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"按{'罚款' if self.basis == 'fine' else '事故'}计算奖励须填写：{'、'.join(missing)}")
        return self


class Approval(Schema):
    note: Text | None = Field(default=None, description="审批意见")


class Reason(Schema):
    reason: Text = Field(description="理由（记入台账，告知举报人）")


class Claim(Schema):
    """领取奖励：实名举报人的身份须与举报时登记的一致；允许匿名领取的地区，匿名举报人在此登记身份，发放时核验证件。"""

    name: Annotated[inputs.Name, StringConstraints(strip_whitespace=True, min_length=2, max_length=30)] = Field(
        description="姓名（与身份证件一致）"
    )
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")] = Field(description="居民身份证号码")
    phone: Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")] = Field(description="手机号码")


class PayoutMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHECK = "check"
    MOBILE = "mobile"
    OTHER = "other"


PAYOUT_METHOD_TITLES = {
    PayoutMethod.BANK_TRANSFER: "银行转账",
    PayoutMethod.CASH: "现金",
    PayoutMethod.CHECK: "支票",
    PayoutMethod.MOBILE: "移动支付",
    PayoutMethod.OTHER: "其他",
}


class Payout(Schema):
    """支付奖励的部门登记实际发放：日期、金额、方式和经办人。金额应与审批金额一致，不一致的须说明理由。"""

    paid_on: BoundedDate = Field(description="发放日期（不能早于领取登记，不能晚于今天）")
    amount_yuan: int = Field(ge=0, le=10**9, description="实际发放金额（元）")
    method: PayoutMethod = Field(
        description="发放方式：bank_transfer 银行转账；cash 现金；check 支票；mobile 移动支付；"
        "other 其他（在 note 中写明）"
    )
    paid_by: Annotated[inputs.Name, StringConstraints(strip_whitespace=True, min_length=2, max_length=50)] = Field(
        description="经办人（发放奖励的工作人员姓名）"
    )
    reason: Text | None = Field(default=None, description="发放金额与审批金额不一致的理由（一致时不填）")
    note: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="备注，如转账流水号"
    )


class RewardRead(Schema):
    id: int
    tip_off_id: int
    reporter_tip_off_id: int | None = Field(description="领取奖励的举报（第一位符合条件的举报人）")
    state: str
    state_title: str
    allowed_actions: list[str]
    basis: str
    fine_yuan: int | None
    penalty_ref: str | None
    accident_grade: str | None
    deaths: int | None
    amount_yuan: int
    computation: str = Field(description="计算过程")
    terms: dict[str, Any] = Field(description="适用的奖励办法及其条款")
    ineligible_reason: Ineligible | None
    ineligible_title: str | None
    paying_department: str | None = Field(description="支付奖励的部门（谁受理谁奖励）")
    assessed_by: str
    assessed_at: Timestamp
    decided_by: str | None
    decided_at: Timestamp | None
    notified_at: Timestamp | None
    claim_due_at: Timestamp | None
    claimed_at: Timestamp | None
    lapsed_at: Timestamp | None
    claim_channel: str | None = Field(description="领取渠道：receipt 凭回执；miniprogram 小程序实名举报人")
    paid_on: date | None = Field(description="发放日期")
    paid_amount_yuan: int | None = Field(description="实际发放金额（元）")
    payout_method: PayoutMethod | None
    paid_by: str | None = Field(description="经办人")
    payout_reason: str | None = Field(description="发放金额与审批金额不一致的理由")
    payout_note: str | None
    payout_recorded_by: str | None
    payout_recorded_at: Timestamp | None
    step: str | None = Field(description="下一步须在期限内完成的事项（领取奖励）")
    step_due_at: Timestamp | None
    step_provisional: Provisional
    closed_at: Timestamp | None = Field(description="已发放、逾期失效或不予奖励的时间")


class RewardNotice(Schema):
    """举报人凭回执看到的奖励：决定告知后显示。"""

    reward_id: int | None = Field(description="奖励编号（奖励发给您时显示；小程序实名举报人凭它领取）")
    yours: bool = Field(description="奖励是否发给您")
    state: str
    state_title: str
    amount_yuan: int | None
    reason: str | None = Field(description="不予奖励或不发给您的理由")
    paying_department: str | None
    claim_due_at: Timestamp | None = Field(description="领取期限，逾期视为放弃")


class RewardRuleCreate(Schema):
    """地方奖励办法：只填写与上级办法不同的条款，其余沿用上级（直至全国办法）。"""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9\-]{2,39}$")] = Field(description="规则标识")
    region_code: RegionCode = Field(description="适用的行政区划")
    title: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    document: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    basis_document: (
        Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=4, max_length=200)] | None
    ) = Field(
        default=None,
        description="依据的地方文件（名称和文号）：比例、最低额、最高额或每人死亡奖励额高于全国办法的，必须填写",
    )
    valid_from: date = Field(
        description="施行日期：不能使已评定的奖励适用新的条款（本地区已有评定奖励的举报在此日期之后收到的，不能施行）"
    )
    valid_to: date | None = None
    fine_percent: int | None = Field(default=None, ge=1, le=100)
    fine_min: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    fine_max: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    death_amounts: dict[AccidentGrade, Annotated[int, Field(ge=0, le=MAX_COUNT)]] | None = None
    death_cap: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    anonymous_claims: StrictBool | None = None
    employee_bonus_percent: int | None = Field(default=None, ge=0, le=100)
    claim_days: int | None = Field(default=None, ge=1, le=365)
    note: Annotated[inputs.Text, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _bounds_in_order(self):
        if self.fine_min is not None and self.fine_max is not None and self.fine_min > self.fine_max:
            raise ValueError("最低奖励额不能高于最高奖励额")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("失效日期不能早于施行日期")
        return self


class RewardRuleRead(RewardRuleCreate):
    region_code: str | None = Field(description="为空：全国办法")
    id: int
    created_by: str
    created_at: Timestamp


class TermsRead(Schema):
    """某地某日适用的奖励条款（全国办法逐级叠加地方办法）。"""

    region_code: str
    on: date
    rules: list[str]
    fine_percent: int
    fine_min: int
    fine_max: int
    death_amounts: dict[str, int]
    death_cap: int
    anonymous_claims: bool
    employee_bonus_percent: int
    claim_days: int
