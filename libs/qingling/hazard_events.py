"""The hazard events other services consume: the contract between the hazards service and its
subscribers, so it lives where both can import it. One event type carries the hazard's state
after every change — report, each lifecycle action, a recomputed deadline — so a consumer that
receives events twice or late still ends up with the latest picture by keeping the newest one
(``occurred_at``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from qingling.events import EventData


class HazardChanged(EventData):
    """隐患有变化（上报、每一步操作、期限重算）：事件携带变化后的完整状态。"""

    event_type: ClassVar[str] = "hazard.changed"
    event_version: ClassVar[int] = 1

    hazard_id: int
    action: str = Field(description="引起变化的操作，如 report、list、grant_extension")
    state: str
    previous_state: str | None
    grade: str
    source: str
    source_ref: str | None = Field(description="来源举报，如 tip_off:JB-2024-000123")
    title: str
    enterprise_code: str
    region_code: str
    industry: str
    lister_region_code: str | None
    deadline_at: AwareDatetime | None = Field(description="整改期限")
    deadline_provisional: bool
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: AwareDatetime | None
    production_suspended: bool
    closed: bool
