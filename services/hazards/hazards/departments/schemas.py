from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from hazards.industries.catalogue import INDUSTRY_BY_CODE, KIND_BY_CODE
from qingling.inputs import Name, StrictBool, not_null
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


def _known_industry(code: str) -> str:
    if code not in INDUSTRY_BY_CODE:
        raise ValueError(f"没有行业领域 {code}，见 /api/v1/hazards/industries")
    return code


def _known_kind(code: str) -> str:
    if code not in KIND_BY_CODE:
        raise ValueError(f"没有部门类别 {code}，见 /api/v1/hazards/department-kinds")
    return code


IndustryCode = Annotated[
    str, AfterValidator(_known_industry), WithJsonSchema({"type": "string", "pattern": r"^[a-z][a-z0-9_]{1,31}$"})
]
DepartmentKindCode = Annotated[
    str, AfterValidator(_known_kind), WithJsonSchema({"type": "string", "pattern": r"^[a-z][a-z0-9_]{1,31}$"})
]
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{5,20}$")]


class DepartmentCreate(Schema):
    region_code: RegionCode
    kind: DepartmentKindCode
    name: Name = Field(min_length=2, max_length=64, description="如“德清县应急管理局”")
    industries: list[IndustryCode] | None = Field(default=None, description="监管的行业领域；不传则用该类别的默认范围")
    phone: Phone | None = Field(default=None, description="联系电话")


class DepartmentUpdate(Schema):
    name: Annotated[Name | None, not_null] = Field(default=None, min_length=2, max_length=64)
    industries: Annotated[list[IndustryCode] | None, not_null] = Field(
        default=None, description="监管的行业领域（整体替换）；移交给本辖区其他部门之前不能去掉"
    )
    phone: Phone | None = Field(default=None, description="联系电话；传 null 清除")
    active: Annotated[StrictBool | None, not_null] = None


class DepartmentRead(Schema):
    id: int
    region_code: str
    kind: str
    name: str
    industries: list[str]
    phone: str | None
    active: bool
    updated_at: Timestamp


class Resolution(Schema):
    """谁来办：牵头部门与协办部门。"""

    region_code: str
    industry: str
    lead: DepartmentRead = Field(description="主办（牵头）部门")
    co_handlers: list[DepartmentRead] = Field(description="协办部门：同级共同监管该行业的部门，以及所在乡镇（街道）")
    resolved_at: str = Field(description="找到主办部门的区划代码；本级没有相应部门时逐级向上查找")
