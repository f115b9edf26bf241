from typing import Annotated

from pydantic import Field, StringConstraints

from qingling.auth.roles import Role
from qingling.credit_code import CreditCode
from qingling.inputs import Email, MobilePhone, Name, StrictBool, Text, not_null
from qingling.regions import JurisdictionCode
from qingling.schemas import Schema, Timestamp

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{3,64}$")]
DepartmentKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,31}$")]
EnterpriseCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]


class AccountBase(Schema):
    display_name: Name = Field(min_length=1, max_length=64, description="姓名或岗位名称")
    roles: list[Role] = Field(min_length=1, description="角色，见角色目录")
    region_code: JurisdictionCode | None = Field(
        default=None, description="所在地区行政区划代码（辖区 = 代码前缀；000000 为国家级）"
    )
    department: DepartmentKind | None = Field(default=None, description="所属部门类别，如 emergency（应急管理局）")
    enterprise_code: EnterpriseCode | None = Field(default=None, description="所属企业统一社会信用代码")
    phone: MobilePhone | None = Field(default=None, description="手机号码（11 位），用于短信通知")
    email: Email | None = Field(default=None, description="电子邮箱，用于邮件通知")


class AccountCreate(AccountBase):
    username: Username = Field(description="登录名：字母、数字、_ . -，3–64 位")
    password: str = Field(min_length=1, max_length=128, description="初始密码；对方首次登录后须修改")
    region_code: JurisdictionCode | None = Field(
        default=None,
        description="所在地区行政区划代码（辖区 = 代码前缀；000000 为国家级）。企业账号不必填写："
        "一律以企业名录中该企业登记的地区为准（仅名录所在的隐患服务开通企业时由其填写）",
    )
    enterprise_code: CreditCode | None = Field(
        default=None, description="所属企业统一社会信用代码（按 GB 32100 校验位核验，须已在企业名录中登记）"
    )
    reason: Text | None = Field(default=None, max_length=500, description="变更理由（记入身份台账，可不填）")


class AccountUpdate(Schema):
    display_name: Annotated[Name | None, not_null] = Field(default=None, min_length=1, max_length=64)
    roles: Annotated[list[Role] | None, not_null] = Field(default=None, min_length=1)
    department: DepartmentKind | None = Field(default=None, description="传 null：不属于任何部门")
    phone: MobilePhone | None = Field(default=None, description="手机号码（11 位）；传 null 清除")
    email: Email | None = Field(default=None, description="电子邮箱；传 null 清除")
    disabled: Annotated[StrictBool | None, not_null] = None
    reason: Text | None = Field(default=None, max_length=500, description="变更理由（记入身份台账，可不填）")


class AccountRead(AccountBase):
    display_name: str  # as stored: a read never fails on an older row
    phone: str | None = Field(default=None, description="手机号码")  # as stored: older rows may hold a landline
    email: str | None = Field(default=None, description="电子邮箱")
    id: int
    username: str
    disabled: bool
    must_change_password: bool
    locked_until: Timestamp | None = Field(
        default=None, description="连续输错密码后，某个地址暂停登录该账号的最晚截止时间；为空表示没有（可解除锁定）"
    )
    created_at: Timestamp


class TemporaryPassword(Schema):
    temporary_password: str = Field(description="临时密码，仅显示这一次；对方登录前须修改")


class PasswordChange(Schema):
    username: str
    current_password: str
    new_password: str = Field(max_length=128)
