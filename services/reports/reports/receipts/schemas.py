from pydantic import Field

from qingling.schemas import Schema, Timestamp


class InboxEntry(Schema):
    id: int
    kind: str = Field(description="notice 办理进展；reply 答复；question 询问；reward 奖励")
    title: str
    text: str
    at: Timestamp
    read_at: Timestamp | None = Field(description="阅读时间；为空表示未读")


class ReporterInbox(Schema):
    """举报人的收件箱（由通知服务保存）：办理进展、答复、询问、复查结论和奖励通知，带已读回执。"""

    unread: int
    items: list[InboxEntry]
    next_after: int | None


class MarkRead(Schema):
    ids: list[int] | None = Field(default=None, max_length=500, description="标为已读的消息；不填则全部标为已读")


class Unread(Schema):
    unread: int
