from typing import Annotated

from pydantic import Field

from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.credit_code import CreditCode
from qingling.inputs import Name, StrictBool, Text, not_null
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


class ClientCreate(Schema):
    name: Name = Field(min_length=1, max_length=100, description="系统名称，如“某公司 EHS 系统”")
    enterprise_code: CreditCode = Field(
        description="所属企业统一社会信用代码（按 GB 32100 校验位核验，须已在企业名录中登记）"
    )
    region_code: RegionCode | None = Field(
        default=None,
        description="不必填写：一律以企业名录中该企业登记的地区为准（仅名录所在的隐患服务开通企业时由其填写）",
    )
    scopes: list[Scope] = Field(default_factory=lambda: list(Scope), description="授权范围")
    reason: Text | None = Field(default=None, max_length=500, description="变更理由（记入身份台账，可不填）")


class ClientUpdate(Schema):
    name: Annotated[Name | None, not_null] = Field(default=None, min_length=1, max_length=100)
    scopes: Annotated[list[Scope] | None, not_null] = None
    disabled: Annotated[StrictBool | None, not_null] = None
    reason: Text | None = Field(default=None, max_length=500, description="变更理由（记入身份台账，可不填）")


class ClientRead(Schema):
    id: int
    client_id: str
    name: str
    roles: list[Role]
    scopes: list[str]
    region_code: str | None
    enterprise_code: str | None
    disabled: bool
    created_at: Timestamp
    previous_secret_expires_at: Timestamp | None = Field(description="轮换前的旧密钥失效时间")


class ClientCredentials(ClientRead):
    client_secret: str = Field(description="客户端密钥，仅显示这一次，请妥善保存")
