from datetime import date
from typing import Any, Literal

from pydantic import Field

from qingling.schemas import Schema, Timestamp


class ArrangementLoad(Schema):
    """某年的放假调休安排，按国务院办公厅当年《关于部分节假日安排的通知》填写。"""

    holidays: list[date] = Field(
        max_length=366,
        description="放假日：通知中放假的全部日期（放假期间的周六、周日也可列入）。"
        "须包含该年《全国年节及纪念日放假办法》规定的全部法定节假日（落在周末的除外），否则 422 逐日列出缺少的日期",
    )
    makeup_workdays: list[date] = Field(max_length=366, description="调休上班日：通知中需要上班的周六、周日")
    source: str = Field(max_length=100, description="来源：通知文号，如“国办发明电〔2025〕7号”（必填）")


class ArrangementRead(Schema):
    year: int
    holidays: list[date] = Field(description="放假日")
    makeup_workdays: list[date] = Field(description="调休上班日")
    source: str = Field(description="来源（通知文号）")
    loaded_at: Timestamp = Field(description="加载时间")


class StatutoryDay(Schema):
    day: date
    name: str = Field(description="节日，如 春节、国庆节")


class YearCoverage(Schema):
    year: int
    known: bool = Field(
        description="是否掌握该年的放假调休安排；否则该年按法定节假日和周末计算（调休未知），涉及该年的期限均为暂定"
    )
    basis: Literal["loaded", "library", "statutory"] = Field(
        description="依据：loaded 为管理员加载的通知，library 为内置日历库（chinese_calendar）的数据，"
        "statutory 为尚无通知、按《全国年节及纪念日放假办法》推算的法定节假日（暂定）"
    )
    statutory_holidays: list[StatutoryDay] = Field(
        description="该年《全国年节及纪念日放假办法》规定的法定节假日；加载的安排须包含这些日期"
    )


class ArrangementChangeRead(Schema):
    id: int
    year: int
    action: Literal["load", "replace", "remove"] = Field(description="load 加载；replace 替换；remove 撤销")
    actor: str = Field(description="操作人")
    actor_name: str
    at: Timestamp
    before: dict[str, Any] | None = Field(description="变更前的安排（首次加载时为空）")
    after: dict[str, Any] | None = Field(description="变更后的安排（撤销时为空）")
    recounted: int = Field(description="因此重新计算的未结期限数")


class CalendarYears(Schema):
    loaded: list[ArrangementRead] = Field(description="管理员已加载的各年放假安排，优先于内置日历库")
    years: list[YearCoverage] = Field(description="2024 年至明年，各年是否已掌握放假安排")
    changes: list[ArrangementChangeRead] = Field(description="放假安排的加载、替换、撤销记录")


class DeadlineRead(Schema):
    last_day: date = Field(description="期限的最后一天（北京时间）")
    due_at: Timestamp = Field(description="截止时刻：最后一天的 23:59:59（北京时间）")
    provisional: bool = Field(
        description="是否暂定：期间有年份的放假调休安排尚未发布，按法定节假日和周末计算（调休未知），"
        "该年安排加载后重新计算"
    )
    unknown_years: list[int] = Field(description="尚无放假调休安排、按法定节假日和周末计算的年份")


class WorkingDaysLeft(Schema):
    until: Timestamp = Field(description="所问的截止时刻")
    last_day: date = Field(description="截止时刻所在的日期（北京时间）")
    working_days_left: int = Field(
        description="剩余工作日：今天之后到最后一天（含）的工作日数，最后一天是今天时为 0；"
        "最后一天已过时为负数，其绝对值是最后一天之后到今天（含）的工作日数，即已超期的工作日数"
    )
    overdue: bool = Field(description="是否已超期：当前时刻已晚于截止时刻（最后一天的 23:59:59 仍未超期）")
    provisional: bool = Field(
        description="是否暂定：计数经过的年份有放假调休安排尚未发布，按法定节假日和周末计算，该年安排加载后会变"
    )
    unknown_years: list[int] = Field(description="计数经过的、尚无放假调休安排的年份")


class WorkingDaysLeftRead(Schema):
    now: Timestamp = Field(description="计数所依据的当前时刻（服务的时钟）")
    today: date = Field(description="今天（北京时间），不计入剩余工作日")
    items: list[WorkingDaysLeft] = Field(description="按所问的顺序，每个截止时刻一项")
