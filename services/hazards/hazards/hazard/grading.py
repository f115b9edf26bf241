"""The grading rule every way of recording a hazard shares (domain.md §4 Grading)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hazards.standards.catalogue import check_basis
from qingling.clock import to_shanghai
from qingling.errors import FieldError


def grading_errors(
    grade: str,
    basis_standard: str | None,
    basis_clause: str | None,
    report: Any,
    found_at: datetime,
    prefix: str = "",
) -> list[FieldError]:
    """A major hazard cites a standard in force on the day it was found, a clause, and its report."""
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
