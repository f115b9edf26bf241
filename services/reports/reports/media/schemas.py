from pydantic import Field

from qingling.schemas import Schema, Timestamp


class Uploaded(Schema):
    token: str = Field(description="在举报或补充材料的 media 中写上此令牌")
    media_type: str = Field(description="按文件内容识别的类型")
    size: int


class MediaRead(Schema):
    id: int
    media_type: str
    size: int
    received_at: Timestamp
