from pydantic import Field

from qingling.schemas import Schema, Timestamp
from reports.tipoffs.schemas import Text


class Question(Schema):
    text: Text = Field(description="向举报人询问或说明的内容（举报人凭回执看到，可回答并附照片）")


class ConversationEntry(Schema):
    """办理人员看到的与举报人的往来：举报人的文字已去除可识别身份的信息。"""

    id: int
    side: str = Field(description="reporter 举报人；handler 办理部门")
    kind: str = Field(description="notice 告知；reply 答复；question 询问；supplement 补充；answer 回答")
    text: str
    in_reply_to: int | None
    author: str | None = Field(description="办理人员（举报人不具名）")
    media: list[int] = Field(description="随附的照片、视频（GET /media/{id}）")
    at: Timestamp


class Conversation(Schema):
    tip_off_id: int
    open_questions: int = Field(description="尚未回答的询问")
    entries: list[ConversationEntry]
