from typing import Annotated

from pydantic import Field, StringConstraints

from qingling.schemas import Schema, Timestamp


class TemplateVersion(Schema):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)] = Field(
        description="正文，可用变量：$title 事项名称，$deadline 期限，$days 距期限（或超期）天数，$step 提醒环节，"
        "$step_what 须办理的事项，"
        "$enterprise_code 统一社会信用代码"
    )


class TemplateRead(TemplateVersion):
    key: str
    version: int
    created_by: str
    created_at: Timestamp
