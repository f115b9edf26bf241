from typing import Annotated

from pydantic import Field, StringConstraints

from qingling.inputs import Line, Text
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp


class TemplateText(Schema):
    title: Annotated[Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    body: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)] = Field(
        description="正文，可用变量：$title 事项名称，$deadline 期限，$days 距期限（或超期）天数，$step 提醒环节，"
        "$step_what 须办理的事项，"
        "$enterprise_code 统一社会信用代码"
    )


class TemplateVersion(TemplateText):
    region_code: RegionCode = Field(
        description="适用的行政区划（含下级），须在您的辖区内；全国默认文本随软件版本发布，不能在此修改"
    )


class TemplateRead(TemplateText):
    key: str
    region_code: str = Field(description="适用的行政区划（含下级）；为空：全国默认")
    version: int = Field(description="版本号，同一模板在各地区间统一编号；送达记录写明所用的版本")
    created_by: str
    created_at: Timestamp
