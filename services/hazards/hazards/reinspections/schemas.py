"""回头看 (re-inspection) of closed 重大 hazards: what the re-inspector records, alone or in a
batch drawn from the 清单, and how a record reads back."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from hazards.hazard.schemas import Short, Text
from qingling.inputs import DbId, HappenedAt, Name
from qingling.schemas import Schema, Timestamp
from qingling.standards import Clause, MajorReport, StandardCode

MAX_ITEMS = 200  # a batch: one 回头看 campaign's findings of a county at a time

Inspector = Annotated[Name, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)]


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


RESULT_TITLES = {Result.PASSED: "整改到位，未反弹", Result.FAILED: "隐患复发或整改不到位"}


class Capacity(StrEnum):
    LISTER = "lister"
    ABOVE = "above"


CAPACITY_TITLES = {Capacity.LISTER: "挂牌督办机关（未挂牌的：督办部门）", Capacity.ABOVE: "挂牌督办机关的上一级"}


class Recurrence(Schema):
    """回头看不合格时新建的隐患：同一企业、重大隐患、来源为监督检查，由督办部门按程序认定。
    隐患描述即检查发现的问题（findings）。"""

    title: Short | None = Field(default=None, description="隐患名称；不填为“回头看复发：原隐患名称”")
    basis_standard: StandardCode | None = Field(
        default=None, description="判定标准；不填沿用原隐患的，须在检查之日有效（如火灾隐患 2025-11-01 起为 FIRE2025）"
    )
    basis_clause: Clause | None = Field(default=None, description="判定条款；不填沿用原隐患的")
    report: MajorReport = Field(description="重大隐患报告：现状及原因、危害程度和整改难易、治理方案（16号令第十四条）")


class ReinspectionCreate(Schema):
    """一次回头看的结果。"""

    inspected_at: HappenedAt = Field(description="检查时间（不早于原隐患销号，不晚于现在）；只填日期的按当日 0 时")
    inspectors: list[Inspector] = Field(min_length=1, max_length=20, description="检查人员姓名")
    result: Result = Field(description="回头看结果：passed 整改到位、未反弹；failed 隐患复发或整改不到位（新建隐患）")
    findings: Text = Field(description="检查情况；不合格的即新建隐患的描述")
    recurrence: Recurrence | None = Field(default=None, description="不合格时必填：新建的隐患；合格时不填")


class BatchItem(ReinspectionCreate):
    hazard_id: DbId = Field(description="回头看的已销号重大隐患（可从 GET /reinspections/candidates 选取）")


class BatchCreate(Schema):
    """一批回头看的结果（如一个县当年销号的重大隐患），整批校验：任何一条有误则一条也不保存，并逐条指出。"""

    items: list[BatchItem] = Field(min_length=1, max_length=MAX_ITEMS, description=f"最多 {MAX_ITEMS} 条")


class BodyRef(Schema):
    region_code: str
    kind: str = Field(description="部门类别，或 committee（安委会/安委办）")
    name: str


class ReinspectionRead(Schema):
    id: int
    hazard_id: int = Field(description="回头看的已销号重大隐患")
    region_code: str = Field(description="隐患所在地")
    industry: str
    inspected_at: Timestamp
    inspectors: list[str]
    result: Result
    result_title: str
    findings: str
    capacity: Capacity = Field(description="lister 挂牌督办机关（未挂牌的为督办部门）；above 其上一级")
    capacity_title: str
    body: BodyRef = Field(description="进行回头看的机关：部门或安委办")
    recorded_by: str = Field(description="记录人（账号）")
    new_hazard_id: int | None = Field(description="不合格时新建的隐患（其 recurrence_of_id 为原隐患）")
    created_at: Timestamp = Field(description="记录时间：统计按此时刻是否已记录计")


class BatchResult(Schema):
    created: int
    failed: int = Field(description="其中不合格（已新建隐患）的条数")
    reinspections: list[ReinspectionRead] = Field(description="与提交顺序一一对应")
