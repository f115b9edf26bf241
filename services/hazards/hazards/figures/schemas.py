"""Hazard figures (issue 19; domain.md §7): what a 安委办 clerk puts in the weekly, monthly and
quarterly returns — each measure defined in its description, each rate with what it divides, so
the clerk can check it against the hazard list."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from qingling.figures import Rate
from qingling.periods import Period
from qingling.schemas import Schema, Timestamp


class GroupBy(StrEnum):
    REGION = "region"
    INDUSTRY = "industry"
    DEPARTMENT = "department"
    GRADE = "grade"
    SOURCE = "source"
    BASIS_STANDARD = "basis_standard"


GROUP_BY_TITLES = {
    GroupBy.REGION: "下一级行政区划（可用 region_prefix 逐级下钻到乡镇街道）",
    GroupBy.INDUSTRY: "行业",
    GroupBy.DEPARTMENT: "督办（监管）部门",
    GroupBy.GRADE: "隐患等级",
    GroupBy.SOURCE: "隐患来源",
    GroupBy.BASIS_STANDARD: "重大隐患判定标准",
}


class DaysToClose(Schema):
    """统计期间内销号的隐患，从发现到销号经过的天数（closed_at − found_at，按 24 小时计，保留一位小数）。"""

    count: int = Field(description="统计期间内销号的隐患数（即 closed）")
    average: float | None = Field(description="平均天数；没有销号的为 null")
    p90: float | None = Field(
        description="第 90 百分位天数（最近秩法：从小到大排列，取第 ⌈0.9 × 件数⌉ 个）；没有销号的为 null"
    )


class HazardMeasures(Schema):
    """一组隐患的统计。“统计期间内”指该时间落在统计期间（北京时间，起止日均含）且不晚于统计时点 as_of；
    “截至统计时点”指 as_of 那一刻的状况。一律按 as_of 时系统中的记录（隐患当时的等级、状态、期限、
    所在地、督办部门）统计，as_of 之后的变更（销号、延期、调整等级、移交）不影响结果；不予认定的隐患不计。"""

    found: int = Field(description="发现：发现时间在统计期间内的隐患数")
    found_major: int = Field(description="其中重大隐患数")
    closed: int = Field(description="销号：销号时间在统计期间内、截至统计时点已销号的隐患数（不论何时发现）")
    rectification_rate: Rate = Field(
        description="整改率：分子为统计期间内发现、截至统计时点已销号的隐患数，分母为统计期间内发现的隐患数（found）"
    )
    # Defaults: a return prepared before 回头看 was recorded keeps its snapshot readable, and 0 is
    # what there was to count then.
    recurred: int = Field(
        default=0,
        description="复发：发现时间在统计期间内、因已销号重大隐患回头看不合格而新建的隐患数（found 的一部分；"
        "其 recurrence_of_id 为原隐患）",
    )
    reinspected: int = Field(
        default=0,
        description="回头看：检查时间在统计期间内、截至统计时点已记录的回头看次数（按被检查隐患的所在地、行业、"
        "督办部门等分组）",
    )
    reinspection_failed: int = Field(default=0, description="其中不合格（隐患复发或整改不到位）的次数")
    due: int = Field(
        description="应整改：整改期限（截至统计时点有效的期限，已批准延期的为延长后的期限）在统计期间内、"
        "且在统计时点之前届满的隐患数；= on_time + closed_late + open_overdue"
    )
    on_time: int = Field(description="其中按期整改：期限届满前（含当日）已销号的")
    closed_late: int = Field(description="其中逾期整改：期限届满后才销号的")
    open_overdue: int = Field(description="其中逾期未整改：截至统计时点仍未销号的")
    on_time_rate: Rate = Field(description="按期整改率：on_time ÷ due")
    overdue_rate: Rate = Field(description="超期率：(open_overdue + closed_late) ÷ due；与按期整改率之和为 1")
    open: int = Field(description="截至统计时点未销号的隐患数（不限统计期间）")
    open_major: int = Field(description="截至统计时点未销号的重大隐患数（“动态清零”的对象）")
    overdue: int = Field(description="截至统计时点已超期：未销号且整改期限早于统计时点的隐患数（不限统计期间）")
    open_stock: int = Field(
        description="截至统计时点未销号的 2024 年以前存量隐患数（发现于 2024-01-01 之前，北京时间）"
    )
    open_new: int = Field(description="截至统计时点未销号的新增隐患数（2024 年起发现）；open_stock + open_new = open")
    days_to_close: DaysToClose = Field(description="销号用时：统计期间内销号的隐患从发现到销号的天数")


class FigureRow(HazardMeasures):
    key: str | None = Field(
        description="分组的代码：行政区划代码（下一级）、行业代码、部门 ID、grade、source 或判定标准代码；"
        "县级的隐患不属于任何乡镇时按县的代码分组；没有该项的（如一般隐患无判定标准）为 null"
    )
    title: str = Field(description="分组的中文名称")


class HazardFigures(Schema):
    """辖区内隐患的统计：合计和按一个维度的分组，各分组之和等于合计。"""

    period: Period
    as_of: Timestamp = Field(description="统计时点：按这一刻系统中的记录统计")
    region_prefix: str = Field(
        description="统计范围：行政区划代码前缀（省 2 位、市 4 位、县 6 位、乡镇 9 位）；全国为空"
    )
    region_title: str = Field(description="统计范围的名称")
    group_by: GroupBy
    group_by_title: str
    total: HazardMeasures = Field(description="合计")
    rows: list[FigureRow] = Field(description="分组，按 key 排列；没有任何隐患的分组不列出")


class QuarterCount(Schema):
    quarter: str = Field(description="季度，如 2025-Q3")
    count: int = Field(description="该季度发现（发现时间，北京时间）的新增重大隐患数")


class MonthCount(Schema):
    month: str = Field(description="月份，如 2025-03")
    at: Timestamp = Field(description="统计的时刻：该月最后一刻（当月的为统计时点）")
    count: int = Field(description="这一时刻未销号的重大隐患数")


class ZeroingMeasures(Schema):
    """重大事故隐患动态清零进展（三年行动目标：2024 年底存量清零，2025 年增量遏制，2026 年常态化清零；domain.md §7）。
    一律按统计时点 as_of 时系统中的记录统计；不予认定的隐患不计。"""

    stock: int = Field(description="存量：2024-01-01（北京时间）之前发现的隐患数")
    stock_major: int = Field(description="其中重大隐患数")
    stock_cleared_by_2024_end: Rate = Field(
        description="存量按期清零率：分子为 2024-12-31 24:00（北京时间）前已销号的存量隐患数，分母为存量隐患数"
    )
    stock_closed: int = Field(description="截至统计时点已销号的存量隐患数")
    stock_open: int = Field(description="截至统计时点未销号的存量隐患数")
    stock_open_major: int = Field(description="截至统计时点未销号的存量重大隐患数")
    recurred_major: int = Field(
        description="复发：2024 年以来发现、因已销号重大隐患回头看不合格而新建的重大隐患数（已计入每季度新增）"
    )
    new_major_by_quarter: list[QuarterCount] = Field(
        description="增量：2024 年一季度至 2025 年四季度（截至统计时点）每季度发现的新增重大隐患数"
    )
    open_major_by_month: list[MonthCount] = Field(
        description="未销号重大隐患数的月度序列：自 2024 年 1 月起至统计时点所在月，每月末（当月为统计时点）"
    )


class ZeroingRow(ZeroingMeasures):
    key: str = Field(description="下一级行政区划代码（县级的隐患不属于任何乡镇时为县的代码）")
    title: str = Field(description="行政区划名称")


class ZeroingProgress(Schema):
    """辖区内重大事故隐患动态清零进展：合计和下一级行政区划的分组。"""

    as_of: Timestamp = Field(description="统计时点")
    region_prefix: str = Field(description="统计范围：行政区划代码前缀")
    region_title: str = Field(description="统计范围的名称")
    stock_deadline: date = Field(description="存量清零的目标日期（含当日）：2024-12-31")
    total: ZeroingMeasures
    rows: list[ZeroingRow]
