"""Returns (报表, issue 19; domain.md §7): the weekly bulletin, the monthly return, the quarterly
summary and the year-end summary a department submits to the 安委办 of its level — each an object
with a deadline, its figures a typed snapshot as of the period's last instant."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from hazards.figures.schemas import HazardFigures
from qingling.figures import Rate
from qingling.periods import Period
from qingling.schemas import Schema, Timestamp


class ReturnKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


KIND_TITLES = {
    ReturnKind.WEEKLY: "周报",
    ReturnKind.MONTHLY: "月报",
    ReturnKind.QUARTERLY: "季报",
    ReturnKind.ANNUAL: "年报",
}


# ------------------------------------------------------------------ the reports service's figures


class TipOffAmount(Schema):
    count: int = Field(description="件数")
    amount_yuan: int = Field(description="金额（元）")


class TipOffMeasures(Schema):
    """举报办理情况（举报服务 GET /api/v1/reports/figures 的 tip_offs，各项定义见该接口）。"""

    received: int = Field(description="接收")
    decided: int = Field(description="作出受理决定")
    decided_within_limit: Rate = Field(description="按期作出受理决定")
    accepted: int = Field(description="受理")
    refused: int = Field(description="不予受理")
    handed_over: int = Field(description="移送")
    merged: int = Field(description="并案")
    concluded: int = Field(description="作出核查结论")
    found_true: Rate = Field(description="属实率")
    converted: int = Field(description="转为隐患")
    replied: int = Field(description="答复举报人")
    replied_within_limit: Rate = Field(description="按期答复")
    objections: int = Field(description="异议")
    open: int = Field(description="截至统计时点在办")
    overdue: int = Field(description="截至统计时点超期")


class RewardMeasures(Schema):
    """举报奖励情况（举报服务 GET /api/v1/reports/figures 的 rewards）。"""

    decided: TipOffAmount = Field(description="审批奖励")
    declined: int = Field(description="不予奖励")
    claimed: TipOffAmount = Field(description="领取")
    paid: TipOffAmount = Field(description="发放")
    lapsed: TipOffAmount = Field(description="逾期失效")
    awaiting_claim: TipOffAmount = Field(description="待领取")


class TipOffGroup(Schema):
    key: str | None = Field(description="分组代码（主办部门 ID）；辖区合计为 null")
    title: str
    tip_offs: TipOffMeasures
    rewards: RewardMeasures


class TipOffPart(Schema):
    """报表的举报部分：从举报服务按报送部门所在地区、报告期和统计时点取得
    （GET /api/v1/reports/figures，按主办部门分组）。"""

    region_code: str
    region_total: TipOffGroup = Field(description="报送部门所在地区的合计")
    department: TipOffGroup | None = Field(description="本部门主办的举报；报告期内本部门没有主办任何举报时为 null")


class ReturnFigures(Schema):
    """报表的数字：在编制时按报告期最后一刻（统计时点）取得并保存，此后不随隐患、举报的变化而变化；
    重新编制时重新取得。某一部分暂时取不到时为 null，并在 *_missing 中说明原因，可稍后重新编制。"""

    as_of: Timestamp = Field(description="统计时点：报告期最后一刻")
    prepared_at: Timestamp = Field(description="编制（取数）的时间")
    hazards: HazardFigures | None = Field(
        description="隐患部分：本部门督办的隐患，按下一级行政区划分组"
        "（隐患统计 GET /api/v1/hazards/figures，department_id 为本部门）"
    )
    hazards_missing: str | None = Field(default=None, description="隐患部分为 null 的原因")
    tip_offs: TipOffPart | None = Field(description="举报部分")
    tip_offs_missing: str | None = Field(default=None, description="举报部分为 null 的原因")


# ------------------------------------------------------------------------------------ requests


class Preparation(Schema):
    note: str | None = Field(default=None, max_length=2000, description="编制说明（可选，随报表报送）")


class Submission(Schema):
    note: str | None = Field(default=None, max_length=2000, description="报送说明（可选）")


class SendBack(Schema):
    reason: str = Field(min_length=1, max_length=1000, description="退回理由（告知报送部门并记入台账）")


class Receipt(Schema):
    note: str | None = Field(default=None, max_length=1000, description="签收意见（可选）")


# --------------------------------------------------------------------------------------- reads


class DepartmentRef(Schema):
    id: int
    region_code: str
    kind: str
    name: str


class ReturnRead(Schema):
    id: int
    kind: ReturnKind
    kind_title: str = Field(description="周报、月报、季报、年报")
    period: str = Field(description="报告期，如 2025-W18、2025-04、2025-Q1、2025")
    period_title: str = Field(description="报告期的中文名称")
    period_first_day: date
    period_last_day: date
    title: str
    department: DepartmentRef = Field(description="报送部门")
    committee_region_code: str = Field(description="接收报表的安委办所在地区（与报送部门同级）")
    committee_name: str = Field(description="接收报表的安委办")
    state: str
    state_title: str
    due_at: Timestamp = Field(description="报送期限")
    due_provisional: bool = Field(description="期限为暂定（该年放假安排尚未发布）")
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: Timestamp | None
    overdue: bool = Field(description="已过报送期限仍未报送（含退回后未重新报送）")
    days_overdue: int
    step_overdue: bool
    submitted_late: bool | None = Field(description="首次报送是否晚于期限；尚未报送为 null")
    first_submitted_at: Timestamp | None
    submitted_at: Timestamp | None = Field(description="最近一次报送的时间")
    submitted_by: str | None
    received_at: Timestamp | None
    received_by: str | None
    sent_back_reason: str | None = Field(description="最近一次退回的理由")
    preparation_note: str | None
    submission_note: str | None
    figures: ReturnFigures | None = Field(description="报表的数字；尚未编制为 null")
    allowed_actions: list[str] = Field(description="您现在可以进行的操作")
    created_at: Timestamp
    updated_at: Timestamp


class OverviewRow(Schema):
    kind: ReturnKind
    kind_title: str
    period: str
    period_title: str
    due_at: Timestamp = Field(description="报送期限（各部门相同，暂定的以最晚者为准）")
    expected: int = Field(description="应报：须报送的部门数")
    submitted: int = Field(description="已报送（含已签收）")
    received: int = Field(description="其中已签收")
    outstanding: int = Field(description="未报送：待编制、已编制未报送、被退回未重新报送")
    overdue: int = Field(description="其中已过期限")
    outstanding_departments: list[DepartmentRef] = Field(description="未报送的部门")


class ReturnsOverview(Schema):
    """安委办看各部门的报送情况：每种报表每个报告期应报、已报、未报。"""

    committee_region_code: str
    committee_name: str
    rows: list[OverviewRow] = Field(description="按报送期限从近到远")


# ------------------------------------------------------------------------------------ rankings


class RankBy(StrEnum):
    ON_TIME = "on_time_rate"
    OVERDUE = "overdue"
    ZEROING = "zeroing"


class Ranked(StrEnum):
    REGION = "region"
    DEPARTMENT = "department"


class RankingRow(Schema):
    """一个地区（下一级行政区划）或部门在统计期间的排名依据和名次。名次按“并列同名次”排（如 1、2、2、4）。"""

    key: str | None = Field(description="行政区划代码或部门 ID（与隐患统计的分组代码相同）")
    title: str
    on_time_rate: Rate = Field(description="按期整改率：期限在统计期间内届满的隐患中按期销号的比例（见隐患统计）")
    due: int = Field(description="应整改数（按期整改率的分母）")
    overdue: int = Field(description="截至统计时点已超期未销号的隐患数")
    open_major: int = Field(description="截至统计时点未销号的重大隐患数（动态清零的对象）")
    stock_open: int | None = Field(
        description="截至统计时点未销号的 2024 年以前存量隐患数（按地区排名时给出；按部门为 null）"
    )
    stock_cleared_by_2024_end: Rate | None = Field(description="存量在 2024 年底前的清零率（按地区排名时给出）")
    recurred: int = Field(description="统计期间内因回头看不合格而新建（复发）的隐患数（不参与排名，供通报）")
    reinspection_failed: int = Field(description="统计期间内回头看不合格的次数（不参与排名）")
    rank_on_time: int | None = Field(description="按期整改率名次（高者在前）；没有应整改隐患的不排名，为 null")
    rank_overdue: int = Field(description="超期隐患数名次（少者在前）")
    rank_zeroing: int = Field(description="清零进展名次：未销号重大隐患少者在前，相同的再比未销号存量隐患")


class Rankings(Schema):
    """月通报用的排名：下一级地区或各部门，按按期整改率、超期隐患数、清零进展排名；数字取自隐患统计
    （GET /api/v1/hazards/figures 和 /figures/zeroing），统计时点相同。只列出有隐患记录的地区或部门。"""

    period: Period
    as_of: Timestamp = Field(description="统计时点（默认：统计期间已结束的为期间最后一刻，否则为现在）")
    region_prefix: str
    region_title: str
    ranked: Ranked = Field(description="region 下一级行政区划、department 督办（监管）部门")
    sort: RankBy = Field(description="rows 的排列依据")
    rows: list[RankingRow]
