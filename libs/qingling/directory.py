"""The recipient directory's contract: a place, as notify addresses its inboxes, and the people
identity and hazards answer for it.

Places: ``enterprise:<credit code>``, ``department:<region>:<kind>``, ``committee:<region>``,
``admins:<region>``, and one principal's subject (``account:<id>``, ``wechat:<id>``). Identity
answers for its accounts and WeChat users, hazards for an enterprise's people in the register;
both only to the notify service (``ServiceScope.DIRECTORY``): the entries carry phone numbers,
e-mail addresses and openids, which go nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from qingling.schemas import Schema

DIRECTORY_PATH = "/directory"  # under each answering service's prefix: /api/v1/identity/directory …


class PlaceKind(StrEnum):
    ENTERPRISE = "enterprise"
    DEPARTMENT = "department"
    COMMITTEE = "committee"
    ADMINS = "admins"
    ACCOUNT = "account"
    WECHAT = "wechat"


_PLACE = re.compile(
    r"^(?:enterprise:(?P<enterprise>[0-9A-HJ-NPQRTUWXY]{18})"
    r"|department:(?P<department_region>[0-9]{6}(?:[0-9]{3})?):(?P<kind>[a-z][a-z_]{1,31})"
    r"|(?P<region_kind>committee|admins):(?P<region>[0-9]{6}(?:[0-9]{3})?)"
    r"|(?P<subject_kind>account|wechat):(?P<id>[1-9][0-9]{0,18}))$"
)


@dataclass(frozen=True)
class Place:
    """A parsed place: its kind and the parts that say which one."""

    kind: PlaceKind
    region_code: str | None = None
    department: str | None = None
    enterprise_code: str | None = None
    id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Place:
        found = _PLACE.match(text)
        if found is None:
            raise ValueError(
                f"无法识别的收件位置 {text[:60]}：应为 enterprise:<统一社会信用代码>、department:<区划>:<部门类别>、"
                "committee:<区划>、admins:<区划>、account:<编号> 或 wechat:<编号>"
            )
        parts = found.groupdict()
        if parts["enterprise"]:
            return cls(PlaceKind.ENTERPRISE, enterprise_code=parts["enterprise"])
        if parts["department_region"]:
            return cls(PlaceKind.DEPARTMENT, region_code=parts["department_region"], department=parts["kind"])
        if parts["region_kind"]:
            return cls(PlaceKind(parts["region_kind"]), region_code=parts["region"])
        return cls(PlaceKind(parts["subject_kind"]), id=int(parts["id"]))

    def __str__(self) -> str:
        match self.kind:
            case PlaceKind.ENTERPRISE:
                return f"enterprise:{self.enterprise_code}"
            case PlaceKind.DEPARTMENT:
                return f"department:{self.region_code}:{self.department}"
            case PlaceKind.COMMITTEE | PlaceKind.ADMINS:
                return f"{self.kind}:{self.region_code}"
            case _:
                return f"{self.kind}:{self.id}"


def _place(text: str) -> str:
    return str(Place.parse(text))


PlaceText = Annotated[str, AfterValidator(_place), WithJsonSchema({"type": "string", "pattern": _PLACE.pattern})]
"""A place as text, checked: ``department:330521:emergency``."""


class ContactRole(StrEnum):
    """Why a person is reached at a place."""

    PRINCIPAL = "principal"  # 主要负责人 (the register)
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人 (the register)
    SAFETY_MANAGER = "safety_manager"  # 安全管理负责人 (the register)
    ACCOUNT = "account"  # a staff or enterprise account of the place (identity)
    WECHAT_USER = "wechat_user"  # a mini-program user, by openid only (identity)


class Entry(Schema):
    """一个可以联系到的人。"""

    role: ContactRole = Field(
        description="联系身份：principal 主要负责人；actual_controller 实际控制人；safety_manager 安全管理负责人；"
        "account 该位置的账号；wechat_user 小程序用户"
    )
    title: str = Field(description="身份的中文名称；账号为其角色名称，如 监管人员")
    name: str = Field(description="姓名（小程序用户没有姓名）")
    subject: str | None = Field(default=None, description="账号或小程序用户的主体标识，如 account:12；名录人员无")
    phone: str | None = Field(default=None, description="手机号码")
    email: str | None = Field(default=None, description="电子邮箱")
    openid: str | None = Field(default=None, description="微信小程序 openid：只交给通知服务，用于订阅消息")


class Listing(Schema):
    """某个收件位置上可以联系到的人（仅通知服务可读）。"""

    place: str = Field(description="收件位置")
    people: list[Entry] = Field(description="该位置上可以联系到的人；没有则为空")
