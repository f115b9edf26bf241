from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from hazards.departments.schemas import IndustryCode
from hazards.industries.catalogue import TAG_BY_CODE
from qingling.credit_code import CreditCode
from qingling.inputs import Email, Line, Name, not_null
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


def _known_tag(code: str) -> str:
    if code not in TAG_BY_CODE:
        raise ValueError(f"没有标签 {code}，见 /api/v1/hazards/tags")
    return code


TagCode = Annotated[
    str, AfterValidator(_known_tag), WithJsonSchema({"type": "string", "pattern": r"^[a-z][a-z0-9_]{1,31}$"})
]
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{5,20}$")]
RiskClass = Literal["A", "B", "C", "D"]


class Person(Schema):
    name: Name = Field(min_length=1, max_length=32)
    phone: Phone = Field(description="联系电话（手机号码才能收到短信通知）")
    email: Email | None = Field(default=None, description="电子邮箱（可不填），用于邮件通知")


class People(Schema):
    """企业的主要负责人、实际控制人和安全管理负责人：重大隐患挂牌、期限变更等依法须告知的事项发给他们。"""

    # Stored as it is (``Enterprise.people``): replaced whole, never changed in place.
    model_config = ConfigDict(frozen=True)

    principal: Person = Field(description="主要负责人")
    actual_controller: Person | None = Field(default=None, description="实际控制人（重大隐患同时告知）")
    safety_manager: Person | None = Field(default=None, description="安全管理负责人")


class EnterpriseBase(Schema):
    name: Name = Field(min_length=2, max_length=100)
    address: Line = Field(min_length=2, max_length=200)
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
    name: Annotated[Name | None, not_null] = Field(default=None, min_length=2, max_length=100)
    address: Annotated[Line | None, not_null] = Field(default=None, min_length=2, max_length=200)
    region_code: Annotated[RegionCode | None, not_null] = None
    industry: Annotated[IndustryCode | None, not_null] = None
    tags: Annotated[list[TagCode] | None, not_null] = None
    latitude: float | None = Field(default=None, ge=3, le=54, description="传 null 清除")
    longitude: float | None = Field(default=None, ge=73, le=136, description="传 null 清除")
    risk_class: Annotated[RiskClass | None, not_null] = None
    people: Annotated[People | None, not_null] = None


class EnterpriseRead(EnterpriseBase):
    name: str  # as stored: a read never fails on an older row
    address: str
    id: int
    credit_code: str
    created_at: Timestamp
    updated_at: Timestamp


class ImportResult(Schema):
    created: int = Field(description="导入的企业数")


class OnboardingRequest(Schema):
    admin_username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{3,64}$", description="企业管理员登录名")
    admin_display_name: Name = Field(min_length=1, max_length=64, description="企业管理员姓名")
    client_name: Name = Field(default="企业对接系统", min_length=1, max_length=100, description="API 客户端名称")


class OnboardingResult(Schema):
    """以下密码与密钥只显示这一次。"""

    admin_username: str
    temporary_password: str = Field(description="企业管理员初始密码，首次登录须修改")
    client_id: str
    client_secret: str


class EnterpriseListing(Schema):
    """公众看到的企业：只有名称、统一社会信用代码和所在乡镇（街道），不含登记的其他信息。"""

    name: str
    credit_code: str = Field(description="统一社会信用代码")
    region_code: str = Field(description="所在地行政区划代码（乡镇 9 位，只登记到县级的 6 位），举报时可作事发地")
    town: str | None = Field(description="所在乡镇（街道）名称；只登记到县级的为空")
