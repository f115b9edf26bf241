from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from notify.supervision.schemas import ActKind
from qingling.calendar import Unit
from qingling.schemas import Schema, Timestamp


class Audience(StrEnum):
    ENTERPRISE = "enterprise"  # 主要负责人、实际控制人、隐患责任人：企业的收件箱
    SUPERVISING = "supervising"  # 督办（监管）部门
    LISTER = "lister"  # 挂牌机关的安委办
    ABOVE_LISTER = "above_lister"  # 挂牌机关上一级的安委办


class PlanStep(Schema):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,30}$")]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)] = Field(
        description="如 预警、催办、通报、约谈"
    )
    offset: int = Field(ge=-365, le=365, description="相对整改期限的天数：负数为期限前，正数为期限后")
    unit: Unit = Field(description="calendar_days 日；working_days 工作日")
    audience: list[Audience] = Field(min_length=1)
    template: Annotated[str, StringConstraints(pattern=r"^[a-z_.]{3,50}$")] = Field(description="消息模板")
    act: Literal[ActKind.URGE, ActKind.BULLETIN, ActKind.INTERVIEW] | None = Field(
        default=None,
        description="该步骤形成的督办记录：urge 催办、bulletin 通报（编号）、"
        "interview 待安排的约谈（有组织期限和提醒）；不填则只发消息（如预警）",
    )

    @model_validator(mode="after")
    def _counted_from_the_deadline(self):
        if self.offset == 0 or (self.unit is Unit.WORKING_DAYS and self.offset < 0):
            raise ValueError("期限前的提醒按日计（offset 为负数）；期限后的按日或工作日计（offset 为正数）")
        return self


class PlanWrite(Schema):
    steps: list[PlanStep] = Field(min_length=1, max_length=20)


class PlanRead(PlanWrite):
    id: int
    item_type: str
    grade: str
    region_code: str = Field(description="为空：全国默认")
    version: int
    created_by: str
    created_at: Timestamp


class ReminderRead(Schema):
    id: int
    item_type: str
    item_id: int
    step: str
    title: str
    deadline_at: Timestamp
    due_at: Timestamp
    audience: list[str]
    template: str
    state: Literal["pending", "sent", "failed", "cancelled"] = Field(
        description="pending 待发；sent 已发；failed 无人可送（没有收件人，已报本地区管理员和安委办）；cancelled 已取消"
    )
    provisional: bool = Field(
        description="是否暂定：按尚未发布放假调休安排的年份（法定节假日和周末）计算，或依据的期限本身暂定；该年安排加载后重新计算"
    )
    replanned_from: Timestamp | None = Field(description="重新计算前的发送时间")
    replanned_at: Timestamp | None = Field(description="重新计算的时间")
    note: str | None = Field(description="重新计算或发送失败的说明")
    sent_at: Timestamp | None
    cancelled_at: Timestamp | None
