from pydantic import Field

from qingling.regions import Level
from qingling.schemas import Schema


class RegionRead(Schema):
    code: str = Field(description="行政区划代码：县级及以上 6 位，乡镇（街道）9 位")
    name: str
    level: Level
    parent_code: str | None


class RegionDetail(RegionRead):
    ancestors: list[RegionRead] = Field(description="从省级到上一级的各级区划")
    full_name: str = Field(description="完整名称，如“浙江省湖州市德清县”")
