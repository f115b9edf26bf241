"""The documents a hazard's steps issue, and what the trail recorded of those steps."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class DocumentKind(StrEnum):
    RECTIFICATION_ORDER = "rectification-order"  # 整改指令书: confirm_major (重大) or accept_general (一般)
    LISTING_NOTICE = "listing-notice"  # 挂牌督办通知书: list
    CLOSE_OUT_NOTICE = "close-out-notice"  # 销号通知: close


class StepTrail(BaseModel):
    """What the lifecycle runner put on the trail for a step besides its payload: the department
    named as acting (``Runner(acting=…)``) and, for an order, the deadline it counted."""

    model_config = ConfigDict(extra="ignore")

    acting_department: str | None = None
    deadline_at: datetime | None = None
