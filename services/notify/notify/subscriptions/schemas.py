from typing import Annotated

from pydantic import Field, model_validator

from notify.config import MessageKind
from qingling.schemas import Schema, Timestamp

Accepted = Annotated[int, Field(ge=1, le=50, description="本次用户点了“允许”的次数（每次允许可收一条订阅消息）")]


class AuthorisationWrite(Schema):
    """小程序调用 wx.requestSubscribeMessage 后，把用户允许的结果报给通知服务。二选一：消息类别或模板编号。"""

    template_kind: MessageKind | None = Field(
        default=None, description="消息类别（如 tip_off.notice）；按其配置的订阅消息模板记数"
    )
    template_id: str | None = Field(default=None, max_length=100, description="订阅消息模板编号（小程序后台所选）")
    accepted: Accepted

    @model_validator(mode="after")
    def _one_of(self) -> "AuthorisationWrite":
        if (self.template_kind is None) == (self.template_id is None):
            raise ValueError("template_kind 与 template_id 须且只须给出一个")
        return self


class AuthorisationRead(Schema):
    """本人对一个订阅消息模板剩余的一次性授权。"""

    template_id: str = Field(description="订阅消息模板编号")
    kinds: list[str] = Field(description="用这个模板发送的消息类别")
    remaining: int = Field(description="剩余可发送的条数：每发出一条用去一次授权")
    granted: int = Field(description="累计允许的次数")
    used: int = Field(description="累计已发送的条数")
    updated_at: Timestamp


class Authorisations(Schema):
    """本人（小程序用户）的订阅消息授权。"""

    items: list[AuthorisationRead]
    templates: dict[str, str] = Field(
        description="可订阅的消息类别及其模板编号，供小程序调用 wx.requestSubscribeMessage"
    )
