from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from hazards.departments.schemas import IndustryCode
from hazards.industries.catalogue import TAG_BY_CODE
from qingling.credit_code import CreditCode
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


def _known_tag(code: str) -> str:
    if code not in TAG_BY_CODE:
        raise ValueError(f"没有标签 {code}，见 /api/v1/hazards/tags")
    return code


TagCode = Annotated[str, AfterValidator(_known_tag)]
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{5,20}$")]
RiskClass = Literal["A", "B", "C", "D"]


class Person(Schema):
    name: str = Field(min_length=1, max_length=32)
    phone: Phone = Field(description="联系电话")


class People(Schema):
    principal: Person = Field(description="主要负责人")
    actual_controller: Person | None = Field(default=None, description="实际控制人（重大隐患同时告知）")
    safety_manager: Person | None = Field(default=None, description="安全管理负责人")


class EnterpriseBase(Schema):
    name: str = Field(min_length=2, max_length=100)
    address: str = Field(min_length=2, max_length=200)
    region_code: RegionCode = Field(description="所在地行政区划代码（县级或乡镇）")
    industry: IndustryCode = Field(description="行业领域代码")
    tags: list[TagCode] = Field(default_factory=list, description="专项整治标签，如 dust_explosion")
    latitude: float | None = Field(default=None, ge=3, le=54, description="纬度（WGS-84）")
    longitude: float | None = Field(default=None, ge=73, le=136, description="经度（WGS-84）")
    risk_class: RiskClass = Field(description="安全风险等级：A 最高，D 最低")
    people: People


class EnterpriseCreate(EnterpriseBase):
    credit_code: CreditCode = Field(description="统一社会信用代码（18 位，含校验位）")


class EnterpriseUpdate(Schema):
    name: str | None = Field(default=None, min_length=2, max_length=100)
    address: str | None = Field(default=None, min_length=2, max_length=200)
    region_code: RegionCode | None = None
    industry: IndustryCode | None = None
    tags: list[TagCode] | None = None
    latitude: float | None = Field(default=None, ge=3, le=54)
    longitude: float | None = Field(default=None, ge=73, le=136)
    risk_class: RiskClass | None = None
    people: People | None = None


class EnterpriseRead(EnterpriseBase):
    id: int
    credit_code: str
    created_at: Timestamp
    updated_at: Timestamp


class ImportResult(Schema):
    created: int = Field(description="导入的企业数")


class OnboardingRequest(Schema):
    admin_username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{3,64}$", description="企业管理员登录名")
    admin_display_name: str = Field(min_length=1, max_length=64, description="企业管理员姓名")
    client_name: str = Field(default="企业对接系统", min_length=1, max_length=100, description="API 客户端名称")


class OnboardingResult(Schema):
    """以下密码与密钥只显示这一次。"""

    admin_username: str
    temporary_password: str = Field(description="企业管理员初始密码，首次登录须修改")
    client_id: str
    client_secret: str
