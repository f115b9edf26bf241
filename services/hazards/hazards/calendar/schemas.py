from datetime import date
from typing import Literal

from pydantic import Field

from qingling.schemas import Schema, Timestamp


class ArrangementLoad(Schema):
    """某年的放假调休安排，按国务院办公厅当年《关于部分节假日安排的通知》填写。"""

    holidays: list[date] = Field(
        max_length=366, description="放假日：通知中放假的全部日期（放假期间的周六、周日也可列入）"
    )
    makeup_workdays: list[date] = Field(max_length=366, description="调休上班日：通知中需要上班的周六、周日")
    source: str = Field(max_length=100, description="来源：通知文号，如“国办发明电〔2025〕7号”")


class ArrangementRead(Schema):
    year: int
    holidays: list[date] = Field(description="放假日")
    makeup_workdays: list[date] = Field(description="调休上班日")
    source: str = Field(description="来源（通知文号）")
    loaded_at: Timestamp = Field(description="加载时间")


class YearCoverage(Schema):
    year: int
    known: bool = Field(description="是否掌握该年的放假安排；否则该年按周一至周五计算，涉及该年的期限均为暂定")
    basis: Literal["loaded", "library", "none"] = Field(
        description="依据：loaded 为管理员加载的通知，library 为内置日历库（chinese_calendar）的数据，none 为尚无数据"
    )


class CalendarYears(Schema):
    loaded: list[ArrangementRead] = Field(description="管理员已加载的各年放假安排，优先于内置日历库")
    years: list[YearCoverage] = Field(description="2024 年至明年，各年是否已掌握放假安排")


class DeadlineRead(Schema):
    last_day: date = Field(description="期限的最后一天（北京时间）")
    due_at: Timestamp = Field(description="截止时刻：最后一天的 23:59:59（北京时间）")
    provisional: bool = Field(
        description="是否暂定：期间有年份的放假安排尚未掌握、按周一至周五计算，该年安排加载后须重新计算"
    )
    unknown_years: list[int] = Field(description="按周一至周五计算的年份")
