from pydantic import Field

from qingling.schemas import Schema, Timestamp


class Candidate(Schema):
    """可能是同一事项的另一件举报。"""

    id: int
    receipt_code: str
    channel: str
    category: str
    enterprise_name: str | None
    address: str | None
    state: str
    state_title: str
    received_at: Timestamp
    same_enterprise: bool = Field(description="举报的是同一单位（统一社会信用代码相同）")
    distance_m: float | None = Field(description="两处事发地点的距离（米）")
    lead_department: str | None


class Duplicates(Schema):
    tip_off_id: int
    candidates: list[Candidate] = Field(description="尚在办理、可能是同一事项的举报，可以并案")
    merged: list[Candidate] = Field(description="已并入这件举报的其他举报")
