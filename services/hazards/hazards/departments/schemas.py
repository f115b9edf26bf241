from typing import Annotated

from pydantic import AfterValidator, Field

from hazards.industries.catalogue import INDUSTRY_BY_CODE, KIND_BY_CODE
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


IndustryCode = Annotated[str, AfterValidator(_known_industry)]
DepartmentKindCode = Annotated[str, AfterValidator(_known_kind)]


class DepartmentCreate(Schema):
    region_code: RegionCode
    kind: DepartmentKindCode
    name: str = Field(min_length=2, max_length=64, description="如“德清县应急管理局”")
    industries: list[IndustryCode] | None = Field(default=None, description="监管的行业领域；不传则用该类别的默认范围")
    phone: str | None = Field(default=None, max_length=20)


class DepartmentUpdate(Schema):
    name: str | None = Field(default=None, min_length=2, max_length=64)
    industries: list[IndustryCode] | None = None
    phone: str | None = Field(default=None, max_length=20)
    active: bool | None = None


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
