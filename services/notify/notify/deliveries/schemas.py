from pydantic import Field

from qingling.schemas import Schema, Timestamp


class DeliveryRead(Schema):
    id: int
    item_type: str
    item_id: int
    cause: str
    step: str | None
    recipient: str = Field(description="enterprise:<信用代码>、department:<区划>:<部门>、committee:<区划>（安委办）…")
    channel: str
    template: str
    template_version: int
    title: str
    text: str = Field(description="发出的文字")
    provider_message_id: str | None
    status: str
    error: str | None
    attempted_at: Timestamp
    read_at: Timestamp | None = Field(description="收件人阅读时间（站内信）")
    read_by: str | None
