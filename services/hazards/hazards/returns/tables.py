"""A return's tables as a regulator files them, through the one table writer (``qingling.exports``):
表一 隐患排查治理情况 (the hazard figures by region, the total last), 表二 举报办理和奖励情况 (the
department's region and the department as lead department). Read from the return's stored
snapshot — what was submitted, not today's figures."""

from __future__ import annotations

from pydantic import Field

from hazards.figures.schemas import HazardMeasures
from hazards.returns.models import PeriodicReturn
from hazards.returns.schemas import ReturnFigures, TipOffGroup
from qingling.clock import SHANGHAI
from qingling.exports import Column, ColumnRead, Kind, Table
from qingling.schemas import Schema, Timestamp

N, P = Kind.INTEGER, Kind.PERCENT
HAZARD_COLUMNS = (
    Column("title", "地区"),
    Column("found", "发现隐患", N),
    Column("found_major", "其中重大", N),
    Column("closed", "销号", N),
    Column("rectification_rate", "整改率", P),
    Column("recurred", "其中复发", N),
    Column("due", "应整改", N),
    Column("on_time", "按期整改", N),
    Column("closed_late", "逾期整改", N),
    Column("open_overdue", "逾期未整改", N),
    Column("on_time_rate", "按期整改率", P),
    Column("overdue_rate", "超期率", P),
    Column("open", "未销号", N),
    Column("open_major", "未销号重大隐患", N),
    Column("overdue", "已超期", N),
    Column("open_stock", "未销号存量隐患", N),
    Column("open_new", "未销号新增隐患", N),
    Column("days_average", "平均销号天数", Kind.NUMBER),
    Column("days_p90", "销号天数（P90）", Kind.NUMBER),
    Column("reinspected", "回头看", N),
    Column("reinspection_failed", "回头看不合格", N),
)
TIP_OFF_COLUMNS = (
    Column("title", "范围"),
    Column("received", "接收举报", N),
    Column("decided", "作出受理决定", N),
    Column("decided_within_limit", "按期作出受理决定率", P),
    Column("accepted", "受理", N),
    Column("refused", "不予受理", N),
    Column("handed_over", "移送", N),
    Column("merged", "并案", N),
    Column("concluded", "作出核查结论", N),
    Column("found_true", "属实率", P),
    Column("converted", "转为隐患", N),
    Column("replied", "答复举报人", N),
    Column("replied_within_limit", "按期答复率", P),
    Column("objections", "异议", N),
    Column("open", "在办", N),
    Column("overdue", "超期", N),
    Column("rewards_decided", "审批奖励（件）", N),
    Column("rewards_decided_yuan", "审批奖励金额（元）", N),
    Column("rewards_paid", "发放奖励（件）", N),
    Column("rewards_paid_yuan", "发放金额（元）", N),
    Column("rewards_lapsed", "逾期失效（件）", N),
)

Cell = int | float | str | None


class ReturnTable(Schema):
    title: str = Field(description="表题")
    sheet: str = Field(description="Excel 工作表名")
    subtitle: str = Field(description="填报单位、报告期、统计时点")
    columns: list[ColumnRead]
    rows: list[dict[str, Cell]] = Field(description="每行按 columns 的 key 取值；比率为小数（0.953 即 95.3%）")
    missing: str | None = Field(default=None, description="该表在编制时未能取得数字的原因（表为空）")


class ReturnTables(Schema):
    """报表的各张表：与报表保存的数字相同（编制时按报告期最后一刻取得）。"""

    title: str
    as_of: Timestamp
    prepared_at: Timestamp
    tables: list[ReturnTable]


def _hazard_row(title: str, m: HazardMeasures) -> dict[str, Cell]:
    return {
        "title": title, "found": m.found, "found_major": m.found_major, "closed": m.closed,
        "rectification_rate": m.rectification_rate.rate, "recurred": m.recurred, "due": m.due, "on_time": m.on_time,
        "closed_late": m.closed_late, "open_overdue": m.open_overdue, "on_time_rate": m.on_time_rate.rate,
        "overdue_rate": m.overdue_rate.rate, "open": m.open, "open_major": m.open_major, "overdue": m.overdue,
        "open_stock": m.open_stock, "open_new": m.open_new, "days_average": m.days_to_close.average,
        "days_p90": m.days_to_close.p90, "reinspected": m.reinspected, "reinspection_failed": m.reinspection_failed,
    }  # fmt: skip


def _tip_off_row(title: str, group: TipOffGroup) -> dict[str, Cell]:
    t, r = group.tip_offs, group.rewards
    return {
        "title": title, "received": t.received, "decided": t.decided,
        "decided_within_limit": t.decided_within_limit.rate, "accepted": t.accepted, "refused": t.refused,
        "handed_over": t.handed_over, "merged": t.merged, "concluded": t.concluded, "found_true": t.found_true.rate,
        "converted": t.converted, "replied": t.replied, "replied_within_limit": t.replied_within_limit.rate,
        "objections": t.objections, "open": t.open, "overdue": t.overdue, "rewards_decided": r.decided.count,
        "rewards_decided_yuan": r.decided.amount_yuan, "rewards_paid": r.paid.count,
        "rewards_paid_yuan": r.paid.amount_yuan, "rewards_lapsed": r.lapsed.count,
    }  # fmt: skip


def tables(item: PeriodicReturn, title: str, period_title: str) -> tuple[ReturnTables, list[Table]]:
    """The return's tables, as JSON and as the writer's tables (for CSV and .xlsx)."""
    figures: ReturnFigures = item.figures  # the caller checked it was prepared
    as_of = figures.as_of.astimezone(SHANGHAI)
    subtitle = f"填报单位：{item.department_name}　报告期：{period_title}　统计时点：{as_of:%Y-%m-%d %H:%M}"
    hazard_rows: list[dict[str, Cell]] = []
    if figures.hazards is not None:
        hazard_rows = [_hazard_row(row.title, row) for row in figures.hazards.rows]
        hazard_rows.append(_hazard_row("合计", figures.hazards.total))
    tip_off_rows: list[dict[str, Cell]] = []
    if figures.tip_offs is not None:
        tip_off_rows.append(_tip_off_row("本地区合计", figures.tip_offs.region_total))
        if figures.tip_offs.department is not None:
            tip_off_rows.append(_tip_off_row(f"其中{item.department_name}主办", figures.tip_offs.department))
    made = [
        (Table(f"表一 {title}：隐患排查治理情况", HAZARD_COLUMNS, hazard_rows, "隐患排查治理", subtitle=subtitle),
         figures.hazards_missing),
        (Table(f"表二 {title}：举报办理和奖励情况", TIP_OFF_COLUMNS, tip_off_rows, "举报办理", subtitle=subtitle),
         figures.tip_offs_missing),
    ]  # fmt: skip
    read = ReturnTables(
        title=title,
        as_of=figures.as_of,
        prepared_at=figures.prepared_at,
        tables=[
            ReturnTable(
                title=table.title, sheet=table.sheet, subtitle=subtitle, columns=table.described(),
                rows=list(table.rows), missing=missing,
            )
            for table, missing in made
        ],
    )  # fmt: skip
    return read, [table for table, _ in made]
