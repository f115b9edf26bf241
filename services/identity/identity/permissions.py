"""Who may manage whom, and who may grant what — for accounts and API clients alike.

- a system admin manages accounts in its jurisdiction (region code prefix), and grants the
  privileged roles (custodian, admin) only to places strictly below its own level;
- an enterprise admin manages its own enterprise's users and clients;
- a service (the hazards service onboarding an enterprise) creates enterprise accounts only.
Reads outside the caller's scope answer 404, so existence does not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, ROLES, STAFF_ROLES, Role
from qingling.auth.scope import OutsideJurisdiction, can_see, visible_rows
from qingling.errors import Forbidden, ValidationFailed
from qingling.regions import is_above


class RoleNotGrantable(Forbidden):
    code, title = "role-not-grantable", "您无权授予该角色"


ADMINISTRATORS = (Role.ADMIN, Role.ENTERPRISE_ADMIN, Role.SERVICE)


def may_manage(caller: Principal, region_code: str | None, enterprise_code: str | None) -> bool:
    return caller.has(*ADMINISTRATORS) and can_see(caller, region_code=region_code, enterprise_code=enterprise_code)


def scope_filter(caller: Principal, region_column, enterprise_column) -> ColumnElement[bool]:
    """The rows ``caller`` may administer, as a WHERE clause (the same rule as ``may_manage``)."""
    return visible_rows(caller, region_column, enterprise_column) if caller.has(*ADMINISTRATORS) else false()


def check_grant(
    caller: Principal,
    roles: set[Role],
    *,
    region_code: str | None,
    department: str | None,
    enterprise_code: str | None,
) -> None:
    """Refuses a combination of roles and place the caller may not hand out (403), or that does
    not make sense (422)."""
    _check_consistent(roles, region_code=region_code, department=department, enterprise_code=enterprise_code)
    if not may_manage(caller, region_code, enterprise_code):
        raise OutsideJurisdiction(f"{region_code or enterprise_code} 不在您的管辖范围内")
    if Role.SERVICE in roles or Role.MINIPROGRAM_USER in roles:
        raise RoleNotGrantable("内部服务和小程序用户角色不能手工授予")
    if caller.has(Role.SERVICE) or not caller.has(Role.ADMIN):
        if not roles <= ENTERPRISE_ROLES:
            raise RoleNotGrantable("只能授予企业角色")
        return
    for role in roles:
        if ROLES[role].privileged and not is_above(caller.region_code, region_code):
            raise RoleNotGrantable(f"“{ROLES[role].title}”只能由上级管理员授予")


def _check_consistent(
    roles: set[Role], *, region_code: str | None, department: str | None, enterprise_code: str | None
) -> None:
    if not roles:
        raise ValidationFailed.for_field("roles", "至少需要一个角色")
    if roles & ENTERPRISE_ROLES and roles & STAFF_ROLES:
        raise ValidationFailed.for_field("roles", "企业角色与监管角色不能授予同一账号")
    if region_code is None:
        raise ValidationFailed.for_field("region_code", "须填写所在地区的行政区划代码")
    if roles & ENTERPRISE_ROLES and not enterprise_code:
        raise ValidationFailed.for_field("enterprise_code", "企业角色须填写所属企业的统一社会信用代码")
    if roles & {Role.REGULATOR, Role.DEPARTMENT_LEADER} and not department:
        raise ValidationFailed.for_field("department", "监管人员须填写所属部门")
