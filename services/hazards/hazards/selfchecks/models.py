from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from hazards.database import HazardsModel


class SelfCheck(HazardsModel, table=True):
    """An enterprise's own hazard check (自查): who led it, when, what it covered and found."""

    __tablename__ = "self_check"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    checked_on: date = Field(index=True)
    led_by: str = Field(max_length=32)
    principal_led: bool  # led by the 主要负责人 himself: what the periodic rule asks for
    scope: str = Field(max_length=500)
    findings: str = Field(max_length=2000)
    hazards_found: int = 0
    recorded_by: str = Field(max_length=100)
    created_at: datetime


class SelfCheckNotice(HazardsModel, table=True):
    """That an enterprise was reported for a period without a principal-led check — once."""

    __tablename__ = "self_check_notice"
    __table_args__ = (UniqueConstraint("enterprise_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    period: str = Field(max_length=10)  # 2024-Q3 or 2024-09
    created_at: datetime
