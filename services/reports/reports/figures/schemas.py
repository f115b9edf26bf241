"""Tip-off and reward figures (issue 19; domain.md §3, §7): what a 安委办 clerk puts in the
monthly return — each measure defined in its description, each rate with what it divides."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from qingling.figures import Rate
from qingling.periods import Period
from qingling.schemas import Schema, Timestamp
from reports.tipoffs.schemas import RefusalGround


class GroupBy(StrEnum):
    REGION = "region"
    INDUSTRY = "industry"
    CATEGORY = "category"
    CHANNEL = "channel"
    LEAD_DEPARTMENT = "lead_department"


GROUP_BY_TITLES = {
    GroupBy.REGION: "下一级行政区划（可逐级下钻到乡镇街道）",
    GroupBy.INDUSTRY: "行业",
    GroupBy.CATEGORY: "举报类别",
    GroupBy.CHANNEL: "举报渠道",
    GroupBy.LEAD_DEPARTMENT: "主办部门",
}


class Amount(Schema):
    """件数和金额（元）。"""

    count: int = Field(description="件数")
    amount_yuan: int = Field(description="金额（元）")


class RefusalCount(Schema):
    ground: RefusalGround = Field(description="不予受理的理由")
    title: str = Field(description="理由的中文说明")
    count: int = Field(description="统计期间内以该理由作出不予受理决定的件数")


class OutcomeCounts(Schema):
    """统计期间内作出核查结论的举报，按截至统计时点的结论（复查变更的，按变更后的结论）。"""

    true: int = Field(description="属实")
    partly_true: int = Field(description="部分属实")
    untrue: int = Field(description="不属实")
    unverifiable: int = Field(description="无法核实")


class TipOffMeasures(Schema):
    """举报办理情况。“统计期间内”指事件发生的时间落在统计期间（北京时间）且不晚于统计时点 as_of；
    “截至统计时点”指 as_of 那一刻的状况。"""

    received: int = Field(description="接收：统计期间内接收（登记）的举报件数，含后来并案、移送的")
    decided: int = Field(description="作出受理决定：统计期间内作出受理、不予受理、移送或（受理前）并案决定的件数")
    decided_within_limit: Rate = Field(
        description="按期作出受理决定：分子为其中在接收后 5 个工作日内（按办理当时的放假调休安排计算）作出决定的件数，"
        "分母为统计期间内作出受理决定的件数"
    )
    accepted: int = Field(description="受理：统计期间内受理的件数")
    refused: int = Field(description="不予受理：统计期间内作出不予受理决定的件数")
    refused_by_ground: list[RefusalCount] = Field(description="不予受理按法定理由分列（每个理由一行，含 0 件的）")
    handed_over: int = Field(description="移送：统计期间内移送其他有权机关的件数")
    merged: int = Field(description="并案：统计期间内在受理前并入同一事项另一件举报的件数")
    concluded: int = Field(description="作出核查结论：统计期间内作出核查结论的件数")
    by_outcome: OutcomeCounts = Field(description="核查结论分列")
    found_true: Rate = Field(
        description="属实率：分子为核查结论属实或部分属实的件数，分母为统计期间内作出核查结论的件数"
    )
    converted: int = Field(
        description="转为隐患：统计期间内作出核查结论、截至统计时点已列入隐患清单（隐患服务已建立隐患）的件数"
    )
    replied: int = Field(description="答复举报人：统计期间内答复举报人的件数")
    replied_within_limit: Rate = Field(
        description="按期答复：分子为其中在作出核查结论后 10 日内答复的件数，分母为统计期间内答复的件数"
    )
    objections: int = Field(description="异议：统计期间内举报人对答复提出异议的件数")
    open: int = Field(
        description="在办：截至统计时点已接收、尚未办结（不予受理、移送、并案、办结之外）的件数，不限接收时间"
    )
    overdue: int = Field(
        description="超期：截至统计时点在办、当前环节（受理决定、核查、答复或复查）已过期限的件数，不限接收时间"
    )


class RewardMeasures(Schema):
    """举报奖励情况（金额为元），按奖励所属举报分组。"""

    decided: Amount = Field(description="审批奖励：统计期间内审批给予奖励的件数和审批金额")
    declined: int = Field(description="不予奖励：统计期间内评定为不符合奖励条件或经负责人决定不予奖励的件数")
    claimed: Amount = Field(description="领取：统计期间内举报人登记领取的件数和审批金额")
    paid: Amount = Field(description="发放：发放日期在统计期间内、截至统计时点已登记的件数和实际发放金额")
    lapsed: Amount = Field(description="逾期失效：统计期间内领取期限届满未领取的件数和审批金额")
    awaiting_claim: Amount = Field(description="待领取：截至统计时点已告知举报人、尚未领取也未失效的件数和审批金额")


class FigureGroup(Schema):
    key: str | None = Field(
        description="分组代码：行政区划代码、行业代码、类别代码、渠道代码或主办部门 ID；null 为未分办等无此属性的"
    )
    title: str = Field(description="分组名称")
    tip_offs: TipOffMeasures
    rewards: RewardMeasures


class TipOffFigures(Schema):
    """某一辖区在某一统计期间的举报和奖励数字，可按下一级行政区划、行业、类别、渠道或主办部门分组。"""

    region_code: str = Field(description="统计的辖区（下钻时为所选的下级区划）")
    period: Period
    as_of: Timestamp = Field(
        description="统计时点：按这一时刻各举报和奖励的历史版本计算——此后的转办、更正事发地、复查变更结论、受理等均不影响"
    )
    group_by: GroupBy = Field(description="分组方式")
    total: FigureGroup = Field(description="辖区合计")
    groups: list[FigureGroup] = Field(description="各分组，按分组代码排序")
