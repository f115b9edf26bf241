from datetime import date

from pydantic import Field

from hazards.hazard.schemas import Short, Text
from qingling.inputs import BoundedDate, StrictBool
from qingling.schemas import Schema, Timestamp


class SelfCheckCreate(Schema):
    checked_on: BoundedDate = Field(description="检查日期")
    led_by: Short = Field(description="带队人")
    principal_led: StrictBool = Field(description="是否由主要负责人带队（定期排查规则要求）")
    scope: Text = Field(description="检查范围")
    findings: Text = Field(description="检查情况")
    hazards_found: int = Field(default=0, ge=0, le=100_000, description="发现隐患数（应另行上报）")


class SelfCheckRead(SelfCheckCreate):
    id: int
    enterprise_id: int
    recorded_by: str
    created_at: Timestamp


class MissingSelfCheck(Schema):
    enterprise_id: int
    credit_code: str
    name: str
    region_code: str
    period: str = Field(description="应完成排查的周期：2024-Q3（季度）或 2024-09（高风险企业按月）")
    period_ends: date
