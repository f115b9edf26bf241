from pydantic import Field

from qingling.schemas import Schema, Timestamp


class InboxItem(Schema):
    id: int
    item_type: str = Field(description="关于什么：tip_off 举报 …")
    item_id: int
    kind: str
    title: str
    text: str
    at: Timestamp
    read_at: Timestamp | None = Field(description="阅读时间；为空表示未读")


class Inbox(Schema):
    unread: int = Field(description="未读条数")
    items: list[InboxItem]
    next_after: int | None = Field(description="下一页的 after 参数；为空表示没有更多")


class MarkRead(Schema):
    ids: list[int] | None = Field(default=None, max_length=500, description="标为已读的消息；不填则全部标为已读")


class Unread(Schema):
    unread: int
