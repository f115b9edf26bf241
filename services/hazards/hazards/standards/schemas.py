from datetime import date

from pydantic import Field

from qingling.schemas import Schema


class StandardRead(Schema):
    id: str = Field(description="引用时填写的标准代码，如 GM2023")
    family: str
    title: str
    document: str = Field(description="发布文号或标准号")
    valid_from: date
    valid_to: date | None = Field(description="最后有效日；为空表示现行有效")
    industries: list[str]
