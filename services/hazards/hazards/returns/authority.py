"""Who acts on a return: the submitting department's own staff (prepare; its leader submits) and
the 安委办 of the same level (receive, send back). Pure functions of (return, caller); a refusal
names the body. ``ROWS``: the same checks as WHERE clauses, for the list of what waits for a caller."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, false

from hazards.returns import lifecycle as declared
from hazards.returns.models import PeriodicReturn
from qingling.auth.principal import Principal
from qingling.auth.roles import Role


def is_department(item: PeriodicReturn, caller: Principal) -> bool:
    return (
        caller.has(Role.REGULATOR, Role.DEPARTMENT_LEADER)
        and caller.region_code == item.department_region_code
        and caller.department == item.department_kind
    )


def is_committee(item: PeriodicReturn, caller: Principal) -> bool:
    return caller.has(Role.SAFETY_COMMITTEE) and caller.region_code == item.committee_region_code


def department(item: PeriodicReturn, caller: Principal) -> str | None:
    if is_department(item, caller):
        return None
    return f"此报表须由报送部门{item.department_name}编制、报送"


def committee(item: PeriodicReturn, caller: Principal) -> str | None:
    if is_committee(item, caller):
        return None
    return f"此报表报{item.committee_name}，由其签收或退回"


CHECKS: dict[str, Callable[[PeriodicReturn, Principal], str | None]] = {
    declared.BY_DEPARTMENT.key: department,
    declared.BY_COMMITTEE.key: committee,
}


def department_rows(caller: Principal) -> ColumnElement[bool]:
    if not caller.has(Role.REGULATOR, Role.DEPARTMENT_LEADER) or caller.region_code is None:
        return false()
    return (PeriodicReturn.department_region_code == caller.region_code) & (
        PeriodicReturn.department_kind == caller.department
    )


def committee_rows(caller: Principal) -> ColumnElement[bool]:
    if not caller.has(Role.SAFETY_COMMITTEE) or caller.region_code is None:
        return false()
    return PeriodicReturn.committee_region_code == caller.region_code


ROWS: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    declared.BY_DEPARTMENT.key: department_rows,
    declared.BY_COMMITTEE.key: committee_rows,
}
