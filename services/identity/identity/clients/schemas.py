from pydantic import Field

from identity.accounts.schemas import EnterpriseCode
from qingling.auth.roles import Role
from qingling.auth.scopes import Scope
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


class ClientCreate(Schema):
    name: str = Field(min_length=1, max_length=100, description="系统名称，如“某公司 EHS 系统”")
    enterprise_code: EnterpriseCode = Field(description="所属企业统一社会信用代码")
    region_code: RegionCode = Field(description="企业所在地行政区划代码")
    scopes: list[Scope] = Field(default_factory=lambda: list(Scope), description="授权范围")


class ClientUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    scopes: list[Scope] | None = None
    disabled: bool | None = None


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
