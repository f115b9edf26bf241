from pydantic import Field

from qingling.schemas import Schema, Timestamp


class DeadlineRead(Schema):
    id: int = Field(description="看板条目 ID（分页用）")
    item_type: str = Field(description="hazard 隐患")
    item_id: int
    title: str
    state: str
    grade: str
    region_code: str
    enterprise_code: str
    deadline_at: Timestamp | None = Field(description="整改期限")
    deadline_provisional: bool
    overdue: bool
    days_overdue: int
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: Timestamp | None
    step_overdue: bool
    production_suspended: bool
