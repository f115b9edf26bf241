"""What the figures of every service share (issue 19): a rate that carries what it divides, so a
clerk can check it against the list it counts."""

from __future__ import annotations

from pydantic import Field

from qingling.schemas import Schema


class Rate(Schema):
    """比率：分子、分母及其商。"""

    numerator: int = Field(description="分子")
    denominator: int = Field(description="分母")
    rate: float | None = Field(description="分子 ÷ 分母，保留四位小数；分母为 0 时为 null")

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Rate:
        rate = round(numerator / denominator, 4) if denominator else None
        return cls(numerator=numerator, denominator=denominator, rate=rate)
