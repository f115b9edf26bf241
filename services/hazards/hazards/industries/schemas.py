from pydantic import Field

from qingling.schemas import Schema


class IndustryRead(Schema):
    code: str
    name: str
    lead_kind: str = Field(description="多个部门共同监管时的牵头部门类别")


class TagRead(Schema):
    code: str
    name: str
    group: str


class DepartmentKindRead(Schema):
    code: str
    name: str
    industries: list[str] = Field(description="默认监管的行业领域（各地可调整）")
