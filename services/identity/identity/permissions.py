"""Who may manage whom, and who may grant what — for accounts and API clients alike.

- a system admin manages accounts in its jurisdiction (region code prefix), and grants the
  privileged roles (custodian, admin) only to places strictly below its own level; an account
  holding a privileged role is changed (password reset, unlock, disable, roles, department …)
  only by an admin of a strictly higher level whose jurisdiction contains it — never by a peer;
- an enterprise admin manages its own enterprise's users and clients;
- a service holding ``service:enterprise-credentials`` (the hazards service onboarding an
  enterprise it has just registered) manages enterprise accounts and clients only;
- enterprise credentials are issued only for an enterprise in the register (the hazards
  service's 企业名录) and in the caller's jurisdiction, at the enterprise's registered place.
Reads outside the caller's scope answer 404, so existence does not leak.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false

from identity.register import EnterpriseRegister
from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, ROLES, STAFF_ROLES, Role
from qingling.auth.scope import OutsideJurisdiction, can_see, visible_rows
from qingling.auth.scopes import ServiceScope
from qingling.errors import Forbidden, ValidationFailed
from qingling.regions import is_above


class RoleNotGrantable(Forbidden):
    code, title = "role-not-grantable", "您无权授予该角色"


class HigherAdminRequired(Forbidden):
    code, title = "higher-admin-required", "举报人信息保管人和系统管理员的账号只能由上级系统管理员管理"


ADMINISTRATORS = (Role.ADMIN, Role.ENTERPRISE_ADMIN, Role.SERVICE)


def may_manage(caller: Principal, region_code: str | None, enterprise_code: str | None) -> bool:
    if caller.has(Role.SERVICE) and enterprise_code is None:
        return False  # a service administers enterprises' credentials, never staff
    return caller.has(*ADMINISTRATORS) and can_see(caller, region_code=region_code, enterprise_code=enterprise_code)


def scope_filter(caller: Principal, region_column, enterprise_column) -> ColumnElement[bool]:
    """The rows ``caller`` may administer, as a WHERE clause (the same rule as ``may_manage``)."""
    if not caller.has(*ADMINISTRATORS):
        return false()
    visible = visible_rows(caller, region_column, enterprise_column)
    return and_(visible, enterprise_column.is_not(None)) if caller.has(Role.SERVICE) else visible


def is_privileged(roles: Iterable[str]) -> bool:
    return any(ROLES[Role(role)].privileged for role in roles)


def check_change(caller: Principal, roles: Iterable[str], region_code: str | None) -> None:
    """Any change of an account the caller already administers (``may_manage``): one holding a
    privileged role only by an admin strictly above it, so a peer cannot take it over."""
    if is_privileged(roles) and not (
        caller.has(Role.ADMIN)
        and caller.region_code is not None
        and region_code is not None
        and is_above(caller.region_code, region_code)
    ):
        raise HigherAdminRequired(
            "该账号持有特权角色，只能由其上级（更高一级且辖区包含它）的系统管理员修改、重置或解锁"
        )


async def enterprise_region(
    caller: Principal, register: EnterpriseRegister, enterprise_code: str, typed_region: str | None
) -> str:
    """Where credentials for ``enterprise_code`` belong: the enterprise's registered place, once
    the register knows it and it lies in the caller's jurisdiction. The register's own service
    onboarding an enterprise it has just registered is taken at its word (it is the register).
    Asks the register before the caller's transaction touches the database."""
    if caller.has(Role.SERVICE):
        if ServiceScope.ENTERPRISE_CREDENTIALS not in caller.scopes:
            raise RoleNotGrantable("该内部服务无权开通企业账号或客户端")
        if typed_region is None:
            raise ValidationFailed.for_field("region_code", "须填写企业登记的行政区划代码")
        return typed_region
    if caller.has(Role.ENTERPRISE_ADMIN) and not caller.has(Role.ADMIN) and enterprise_code != caller.enterprise_code:
        raise OutsideJurisdiction("企业管理员只能管理本企业的账号和客户端")
    enterprise = await register.find(enterprise_code)
    if enterprise is None:
        raise ValidationFailed.for_field(
            "enterprise_code", "该统一社会信用代码未在企业名录中登记，请先由监管部门在隐患服务中登记该企业"
        )
    if not can_see(caller, region_code=enterprise.region_code, enterprise_code=enterprise.credit_code):
        raise OutsideJurisdiction("该企业不在您的管辖范围内")
    return enterprise.region_code


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
    if roles & ENTERPRISE_ROLES and not enterprise_code:
        raise ValidationFailed.for_field("enterprise_code", "企业角色须填写所属企业的统一社会信用代码")
    if enterprise_code and not roles & ENTERPRISE_ROLES:
        raise ValidationFailed.for_field("enterprise_code", "只有企业角色的账号才属于企业，监管人员账号不填写此项")
    if region_code is None:
        raise ValidationFailed.for_field("region_code", "须填写所在地区的行政区划代码")
    if roles & {Role.REGULATOR, Role.DEPARTMENT_LEADER} and not department:
        raise ValidationFailed.for_field("department", "监管人员须填写所属部门")
