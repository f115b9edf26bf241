"""Importing an enterprise's existing hazard ledger (隐患台账) from .xlsx: every row mapped to a
hazard, in the state the ledger records, and counted as pre-2024 stock or new — the figures of
清零 start from it. All or nothing, every bad row and cell named."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.schemas import DepartmentRead
from hazards.enterprises.models import Enterprise
from hazards.hazard import schemas
from hazards.hazard.batch import insert_hazards
from hazards.hazard.lifecycle import ENTERPRISE
from hazards.hazard.service import hazard_values, supervising_department
from hazards.spreadsheets import SheetSpec, as_text
from qingling.auth.principal import Principal
from qingling.auth.scope import can_see
from qingling.calendar import end_of_day
from qingling.clock import SHANGHAI
from qingling.errors import ValidationFailed
from qingling.standards import grading_errors

GRADES = {"一般": "general", "一般隐患": "general", "重大": "major", "重大隐患": "major"}
STATUSES = {"未整改": "open", "整改中": "rectifying", "已销号": "closed", "已整改": "closed"}
STATES = {"open": "reported", "rectifying": "rectifying", "closed": "closed"}


def _convert(column: str, value: Any) -> Any:
    if column == "隐患等级":
        return GRADES.get(value, value)
    if column == "整改状态":
        return STATUSES.get(value, value)
    if isinstance(value, datetime):  # a date cell
        return value.date()
    if isinstance(value, str) and (match := re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", value)):
        return "-".join(f"{int(part):02d}" for part in match.groups())
    return as_text(value) if column == "统一社会信用代码" else value


SHEET = SheetSpec(
    columns={
        "统一社会信用代码": ("enterprise_code",),
        "隐患名称": ("title",),
        "隐患描述": ("description",),
        "隐患等级": ("grade",),
        "判定标准": ("basis_standard",),
        "判定条款": ("basis_clause",),
        "发现日期": ("found_on",),
        "整改状态": ("status",),
        "整改期限": ("deadline",),
        "销号日期": ("closed_on",),
        "现状及原因": ("report", "condition"),
        "危害程度及整改难易": ("report", "harm"),
        "治理方案": ("report", "plan"),
    },
    required=("隐患名称", "隐患描述", "隐患等级", "发现日期", "整改状态"),
    example=(
        "91330521MA2B3C4D5Q",
        "消防通道堵塞",
        "仓库东侧消防通道堆放货物",
        "一般",
        "",
        "",
        "2023-11-20",
        "已销号",
        "2023-12-20",
        "2023-12-15",
        "",
        "",
        "",
    ),
    convert=_convert,
)


async def import_ledger(
    session: AsyncSession, caller: Principal, content: bytes, now: datetime
) -> schemas.LedgerResult:
    rows = SHEET.rows(content)
    accepted, errors, _ = SHEET.validate(rows, schemas.LedgerRow)
    codes = {row.enterprise_code for _, row in accepted if row.enterprise_code}
    if caller.has(*ENTERPRISE) and caller.enterprise_code:
        codes.add(caller.enterprise_code)  # an enterprise's own ledger need not repeat its code
    enterprises = await _enterprises(session, codes)
    today = now.astimezone(SHANGHAI).date()
    supervising = await _supervising(session, enterprises)
    owned: list[tuple[Enterprise, schemas.LedgerRow]] = []
    for line, row in accepted:
        row_errors, enterprise = _check(caller, row, enterprises, today)
        if enterprise is not None and isinstance(problem := supervising[enterprise.credit_code], str):
            row_errors.append(("/enterprise_code", problem))  # every hazard has an authority from its first day
        errors += [SHEET.error(line, field, message) for field, message in row_errors]
        if enterprise is not None and not row_errors:
            owned.append((enterprise, row))
    SHEET.reject_if_any(errors)

    source = "self_report" if caller.has(*ENTERPRISE) else "inspection"
    hazards = [
        _hazard(enterprise, row, supervising[enterprise.credit_code], source, caller, now) for enterprise, row in owned
    ]
    payloads = [
        row.model_dump(mode="json") | {"supervising_department": supervising[enterprise.credit_code].name}
        for enterprise, row in owned
    ]
    ids = await insert_hazards(session, caller, hazards, payloads, action="ledger_import", now=now)
    return schemas.LedgerResult(
        created=len(ids), pre_2024_stock=sum(h["pre_2024_stock"] for h in hazards), hazard_ids=ids
    )


async def _enterprises(session: AsyncSession, codes: set[str]) -> dict[str, Enterprise]:
    if not codes:
        return {}
    found = await session.execute(select(Enterprise).where(Enterprise.credit_code.in_(sorted(codes))))
    return {enterprise.credit_code: enterprise for enterprise in found.scalars()}


async def _supervising(session: AsyncSession, enterprises: dict[str, Enterprise]) -> dict[str, DepartmentRead | str]:
    """Each enterprise's supervising department from the register, or why there is none."""
    found: dict[tuple[str, str], DepartmentRead | str] = {}
    for enterprise in enterprises.values():
        place = (enterprise.region_code, enterprise.industry)
        if place not in found:
            try:
                found[place] = await supervising_department(session, enterprise, "enterprise_code")
            except ValidationFailed as refused:
                found[place] = refused.errors[0].message
    return {code: found[(e.region_code, e.industry)] for code, e in enterprises.items()}


def _check(
    caller: Principal, row: schemas.LedgerRow, enterprises: dict[str, Enterprise], today: date
) -> tuple[list[tuple[str, str]], Enterprise | None]:
    """(field, message) problems of one ledger row, and the enterprise it belongs to."""
    problems: list[tuple[str, str]] = []
    code = row.enterprise_code or (caller.enterprise_code if caller.has(*ENTERPRISE) else None)
    enterprise = enterprises.get(code) if code else None
    if code is None:
        problems.append(("/enterprise_code", "须填写统一社会信用代码"))
    elif enterprise is None or not can_see(caller, region_code=enterprise.region_code, enterprise_code=code):
        problems.append(("/enterprise_code", f"{code} 未登记或不在您的管辖范围内"))
    found_at = _start_of(row.found_on)
    problems += [
        (error.field, error.message)
        for error in grading_errors(row.grade, row.basis_standard, row.basis_clause, row.report, found_at)
    ]
    if row.found_on > today:
        problems.append(("/found_on", "发现日期不能晚于今天"))
    if row.status == "rectifying" and row.deadline is None:
        problems.append(("/deadline", "整改中的隐患须填写整改期限"))
    if row.status == "closed" and (row.closed_on is None or row.closed_on < row.found_on):
        problems.append(("/closed_on", "已销号的隐患须填写不早于发现日期的销号日期"))
    return problems, enterprise


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _hazard(
    enterprise: Enterprise,
    row: schemas.LedgerRow,
    department: DepartmentRead,
    source: str,
    caller: Principal,
    now: datetime,
) -> dict[str, Any]:
    report = schemas.HazardReport(
        title=row.title,
        description=row.description,
        grade=row.grade,
        basis_standard=row.basis_standard,
        basis_clause=row.basis_clause,
        found_at=_start_of(row.found_on),
        report=row.report,
    )
    hazard = hazard_values(enterprise, report, department, source=source, reported_by=caller.subject, now=now)
    hazard["state"] = STATES[row.status]
    if row.deadline is not None:
        hazard["deadline_at"] = hazard["original_deadline_at"] = end_of_day(row.deadline)
    if row.status == "closed":
        hazard["closed_at"] = end_of_day(row.closed_on)
    return hazard
