"""The hazard events other services consume: the contract between the hazards service and its
subscribers, so it lives where both can import it. One event type carries the hazard's state
after every change — report, each lifecycle action, a recomputed deadline — so a consumer that
receives events twice, late or out of order still ends up with the latest picture by keeping
the one with the highest ``seq`` (the hazard's audit sequence number)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import AwareDatetime, Field

from qingling.events import EventData


class HazardChanged(EventData):
    """隐患有变化（上报、每一步操作、期限重算）：事件携带变化后的完整状态。"""

    event_type: ClassVar[str] = "hazard.changed"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    hazard_id: int
    seq: int = Field(description="该隐患的第几次变化（即台账序号）：事件可能乱序到达，消费方只保留序号最大的")
    action: str = Field(description="引起变化的操作，如 report、list、grant_extension")
    state: str
    state_title: str = Field(description="状态的中文名，如“整改中”")
    previous_state: str | None
    grade: str
    source: str
    source_ref: str | None = Field(description="来源举报，如 tip_off:JB-2024-000123")
    title: str
    enterprise_code: str
    region_code: str
    industry: str
    lister_region_code: str | None
    supervising_department: dict[str, Any] | None = Field(
        default=None, description="督办（监管）部门：id、region_code、kind、name"
    )
    deadline_at: AwareDatetime | None = Field(description="整改期限")
    deadline_provisional: bool
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: AwareDatetime | None
    step_provisional: bool = Field(default=False, description="下一步的期限为暂定（该年放假安排尚未发布）")
    production_suspended: bool
    closed: bool


class SelfCheckMissed(EventData):
    """一个周期内企业没有记录主要负责人带队的重大隐患排查（高风险企业按月，其他按季度）。"""

    event_type: ClassVar[str] = "enterprise.self_check_missed"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    notice_id: int
    enterprise_code: str
    enterprise_name: str
    region_code: str
    period: str = Field(description="如 2024-Q3 或 2024-09")
    period_ended_at: AwareDatetime = Field(description="该周期的最后时刻")


class ReturnChanged(EventData):
    """报表（周报、月报、季报、年报）有变化：生成、编制、报送、退回、签收、期限重算。事件携带变化后的状态。
    未按期报送的报表像其他期限一样逐级催办（notify 的期限看板和提醒）。"""

    event_type: ClassVar[str] = "return.changed"
    publisher: ClassVar[str] = "hazards"
    event_version: ClassVar[int] = 1

    return_id: int
    seq: int = Field(description="该报表的第几次变化（即台账序号）：消费方只保留序号最大的")
    action: str = Field(description="引起变化的操作，如 open、prepare、submit、send_back、receive")
    state: str
    previous_state: str | None
    kind: str = Field(description="weekly 周报、monthly 月报、quarterly 季报、annual 年报")
    period: str = Field(description="报告期，如 2025-W18、2025-04、2025-Q1、2025")
    title: str = Field(description="如“德清县应急管理局 2025年4月 月报”")
    department_id: int = Field(description="报送部门（登记册中的部门）")
    department_region_code: str
    department_kind: str
    committee_region_code: str = Field(description="接收报表的安委办所在地区（与报送部门同级）")
    due_at: AwareDatetime = Field(description="报送期限")
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: AwareDatetime | None
    step_provisional: bool = Field(default=False, description="期限为暂定（该年放假安排尚未发布）")
    closed: bool = Field(description="true：已报送或已签收，不再催办")
