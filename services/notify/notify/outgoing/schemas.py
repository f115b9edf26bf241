from typing import Annotated

from pydantic import Field

from notify.channels import ChannelName
from qingling.schemas import Schema, Timestamp

Channels = Annotated[
    list[ChannelName], Field(max_length=3, description="按先后尝试的渠道：sms 短信、wechat 微信订阅消息、email 邮件")
]


class PreferenceWrite(Schema):
    channels: Channels = Field(description="按先后尝试的渠道；空表示只收站内信（法定通知不能关闭）")


class PreferenceRead(Schema):
    kind: str = Field(description="消息类别（模板键，如 hazard.urge），* 为全部类别")
    channels: list[ChannelName]
    statutory: bool = Field(description="法定通知：不能关闭，设为空时仍按默认渠道发送")
    updated_at: Timestamp


class Preferences(Schema):
    """本人的站外通知设置。站内信总会送达；这里决定短信、微信、邮件的先后。"""

    items: list[PreferenceRead]
    default_channels: list[ChannelName] = Field(description="未设置时按此先后发送")
    kinds: list[str] = Field(description="可以设置的消息类别")
    statutory_kinds: list[str] = Field(description="法定通知：挂牌督办、期限变更、约谈、销号结果等，不能关闭")
    quiet_hours: str = Field(description="短信免打扰时段（北京时间），紧急通知（挂牌、约谈）除外")
