from typing import Annotated

from pydantic import Field, HttpUrl

from qingling.schemas import Schema, Timestamp

EventType = Annotated[str, Field(pattern=r"^(hazard\.changed|reminder\.sent|webhook\.ping)$")]


class EndpointWrite(Schema):
    url: HttpUrl = Field(description="接收地址（生产环境须为 https，且不能是内网地址）")
    event_types: list[EventType] = Field(min_length=1, description="hazard.changed、reminder.sent")
    description: Annotated[str, Field(max_length=200)] | None = None


class EndpointRead(Schema):
    id: int
    enterprise_code: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: Timestamp


class EndpointCreated(EndpointRead):
    secret: str = Field(description="签名密钥（whsec_…），只显示这一次")


class SecretRotated(Schema):
    secret: str = Field(description="新的签名密钥，只显示这一次")
    previous_expires_at: Timestamp = Field(description="旧密钥在此之前仍然同时签名")


class MessageRead(Schema):
    msg_id: str = Field(description="webhook-id：同一条消息重发时不变，接收方据此去重")
    event_type: str
    state: str
    attempts: int
    available_at: Timestamp
    last_status: int | None
    last_error: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None
