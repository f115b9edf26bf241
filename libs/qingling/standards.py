"""判定标准: the standards by which a hazard is judged major (重大事故隐患), versioned, and the
grading rule every way of recording a hazard shares (domain.md §4 Grading). One definition for
both services: the hazards service applies it to what it stores and serves the catalogue at
``GET /standards``; the reports service applies it to a tip-off's conclusion before it asks for
the hazard, so a conversion the hazards service would refuse is refused to the handler instead.

A major hazard cites a standard version and a clause; the version must be the one in force on
the day the hazard was found (domain.md §5, scenario 13: a fire hazard found 2025-10-15 is
judged under GB 35181-2017, one found 2025-11-02 under GB 35181-2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from qingling import inputs
from qingling.clock import to_shanghai
from qingling.errors import FieldError
from qingling.schemas import Schema

StandardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")]
Clause = Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=50)]
ReportText = Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


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


class MajorReport(Schema):
    """重大事故隐患报告须包括的内容（16号令第十四条）。"""

    condition: ReportText = Field(description="隐患的现状及其产生原因")
    harm: ReportText = Field(description="隐患的危害程度和整改难易程度分析")
    plan: ReportText = Field(description="隐患的治理方案")


def grading_errors(
    grade: str,
    basis_standard: str | None,
    basis_clause: str | None,
    report: Any,
    found_at: datetime,
    prefix: str = "",
) -> list[FieldError]:
    """A major hazard cites a standard in force on the day it was found (Beijing time), a clause,
    and its report; each failure names its field under ``prefix``."""
    if grade != "major":
        return []
    errors = []
    found_on = to_shanghai(found_at).date()
    if not basis_standard:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_standard", message="重大隐患须注明判定标准"))
    elif (problem := check_basis(basis_standard, found_on)) is not None:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_standard", message=problem))
    if not basis_clause:
        errors.append(FieldError(location="body", field=f"{prefix}/basis_clause", message="重大隐患须注明判定条款"))
    if report is None:
        errors.append(
            FieldError(
                location="body", field=f"{prefix}/report", message="重大隐患须报告现状与原因、危害程度、治理方案"
            )
        )
    return errors
