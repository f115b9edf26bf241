"""判定标准: the standards by which a hazard is judged major (重大事故隐患), versioned.

A major hazard cites a standard version and a clause; the version must be the one in force on
the day the hazard was found (domain.md §5, scenario 13: a fire hazard found 2025-10-15 is
judged under GB 35181-2017, one found 2025-11-02 under GB 35181-2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Standard:
    id: str
    family: str
    title: str
    document: str  # issuer's number
    valid_from: date
    valid_to: date | None  # last day in force; None while current
    industries: tuple[str, ...]

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


STANDARDS = (
    Standard(
        "GM2023",
        "GM",
        "工贸企业重大事故隐患判定标准",
        "应急管理部令第10号",
        date(2023, 5, 15),
        None,
        ("industry_trade",),
    ),
    Standard("CM2021", "CM", "煤矿重大事故隐患判定标准", "应急管理部令第4号", date(2021, 1, 1), None, ("coal_mining",)),
    Standard(
        "NM2022",
        "NM",
        "金属非金属矿山重大事故隐患判定标准",
        "矿安〔2022〕88号",
        date(2022, 9, 1),
        None,
        ("metal_mining",),
    ),
    # domain.md gives only the year 2017; the day is the notice's date as remembered, not confirmed.
    Standard(
        "HC2017",
        "HC",
        "化工和危险化学品生产经营单位、烟花爆竹生产经营单位重大生产安全事故隐患判定标准（试行）",
        "安监总管三〔2017〕121号",
        date(2017, 11, 13),
        None,
        ("hazardous_chemicals", "fireworks"),
    ),
    # GB 35181-2017's own effective date is not in domain.md (remembered as 2018-07-01, not confirmed);
    # what matters for grading is the switch to the 2025 edition on 2025-11-01.
    Standard(
        "FIRE2017",
        "FIRE",
        "重大火灾隐患判定方法",
        "GB 35181-2017",
        date(2018, 7, 1),
        date(2025, 10, 31),
        ("fire_safety",),
    ),
    Standard("FIRE2025", "FIRE", "重大火灾隐患判定规则", "GB 35181-2025", date(2025, 11, 1), None, ("fire_safety",)),
    Standard(
        "CS2022",
        "CS",
        "房屋市政工程生产安全重大事故隐患判定标准（2022版）",
        "建质规〔2022〕2号",
        date(2022, 4, 19),
        None,
        ("construction",),
    ),
    Standard(
        "EXP2023",
        "EXP",
        "民用爆炸物品生产、销售企业重大事故隐患判定标准（试行）",
        "工信厅安全函〔2023〕337号",
        date(2023, 12, 1),
        None,
        ("civil_explosives",),
    ),
)

STANDARD_BY_ID = {standard.id: standard for standard in STANDARDS}


def in_force(family: str, day: date) -> Standard | None:
    return next((s for s in STANDARDS if s.family == family and s.in_force(day)), None)


def check_basis(standard_id: str, found_on: date) -> str | None:
    """Why ``standard_id`` cannot be the basis for a hazard found on ``found_on`` (None: it can)."""
    standard = STANDARD_BY_ID.get(standard_id)
    if standard is None:
        return f"没有判定标准 {standard_id}，见 /api/v1/hazards/standards"
    if standard.in_force(found_on):
        return None
    current = in_force(standard.family, found_on)
    hint = f"，{found_on.isoformat()} 适用 {current.id}（{current.document}）" if current else ""
    return f"{standard.id}（{standard.document}）在 {found_on.isoformat()} 不在有效期内{hint}"
