"""What a principal may see: the one rule every service applies to its records.

- a service sees everything (it acts for a caller it has already checked);
- staff see what lies in their jurisdiction (region code prefix);
- an enterprise (its users, admins and systems) sees its own records only;
- anyone else sees nothing.
Records outside the scope are answered as missing (404), so their existence does not leak.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, STAFF_ROLES, Role
from qingling.errors import Forbidden


class OutsideJurisdiction(Forbidden):
    code, title = "outside-jurisdiction", "超出您的管辖范围"


def can_see(principal: Principal, *, region_code: str | None, enterprise_code: str | None) -> bool:
    if principal.has(Role.SERVICE):
        return True
    in_jurisdiction = principal.has(*STAFF_ROLES) and region_code is not None and principal.covers(region_code)
    own_enterprise = (
        principal.has(*ENTERPRISE_ROLES)
        and enterprise_code is not None
        and enterprise_code == principal.enterprise_code
    )
    return in_jurisdiction or own_enterprise


def visible_rows(principal: Principal, region_column: Any, enterprise_column: Any) -> ColumnElement[bool]:
    """``can_see`` as a WHERE clause, for listing."""
    if principal.has(Role.SERVICE):
        return true()
    clauses = []
    if principal.has(*STAFF_ROLES) and principal.jurisdiction is not None:
        clauses.append(region_column.startswith(principal.jurisdiction))
    if principal.has(*ENTERPRISE_ROLES) and principal.enterprise_code:
        clauses.append(enterprise_column == principal.enterprise_code)
    return or_(*clauses) if clauses else false()


def staff_rows(principal: Principal, region_column: Any) -> ColumnElement[bool]:
    """For records only staff may see — a tip-off and what hangs on it: those of their
    jurisdiction. Enterprises, least of all the reported one, and the public see none."""
    if principal.has(*STAFF_ROLES) and principal.jurisdiction is not None:
        return region_column.startswith(principal.jurisdiction)
    return false()
