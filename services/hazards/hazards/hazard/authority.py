"""Who decides each hazard action (README "Who decides: authority by department"): the
authorities the lifecycle names, and the checks that tell whether a caller is that body. Pure
functions of (hazard, caller) over typed columns; a refusal names the body, never a code. Each
check has its twin in ``ROWS``, the same rule as a WHERE clause, for the list of what waits for
a caller (the API tests hold the two to the same answers)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, false, func, or_

from hazards.hazard import lifecycle as declared
from hazards.hazard.models import COMMITTEE, Hazard
from hazards.industries.catalogue import KIND_BY_CODE
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.regions import Level, jurisdiction_prefix

DEPARTMENT_STAFF = (Role.REGULATOR, Role.DEPARTMENT_LEADER)


def _is_department(caller: Principal, region_code: str | None, kind: str | None) -> bool:
    return (
        region_code is not None
        and caller.has(*DEPARTMENT_STAFF)
        and caller.region_code == region_code
        and caller.department == kind
    )


def is_supervising(hazard: Hazard, caller: Principal) -> bool:
    return _is_department(caller, hazard.supervising_region_code, hazard.supervising_kind)


def is_lister(hazard: Hazard, caller: Principal) -> bool:
    if hazard.lister_kind is None:
        return is_supervising(hazard, caller)
    if hazard.lister_kind == COMMITTEE:
        return caller.has(Role.SAFETY_COMMITTEE) and caller.region_code == hazard.lister_region_code
    return _is_department(caller, hazard.lister_region_code, hazard.lister_kind)


# What the supervising department or the lister decides in each state, for the refusal's wording.
DECISIONS = {
    "reported": "隐患的认定（退回补正、调整等级、不予认定、受理）",
    "returned": "隐患的认定",
    "plan_submitted": "治理方案的审核",
    "rectifying": "责令停产停业和恢复生产",
    "extension_requested": "延期决定",
    "completion_applied": "现场复核",
    "under_review": "现场复核",
    "review_passed": "销号前的审核把关",
    "close_out_checked": "销号",
}


def _supervising_name(hazard: Hazard) -> str:
    return hazard.supervising_name or "（尚未确定，请管理员补充部门设置）"


def _decision(hazard: Hazard) -> str:
    return DECISIONS.get(hazard.state, "此操作")


def enterprise(hazard: Hazard, caller: Principal) -> str | None:
    if caller.enterprise_code == hazard.enterprise_code:
        return None
    return "此操作须由隐患所属企业进行"


def reporter(hazard: Hazard, caller: Principal) -> str | None:
    if caller.enterprise_code == hazard.enterprise_code or caller.subject == hazard.reported_by:
        return None
    if is_supervising(hazard, caller):
        return None
    return f"补正须由原上报方或督办部门{_supervising_name(hazard)}进行"


def supervising(hazard: Hazard, caller: Principal) -> str | None:
    if is_supervising(hazard, caller):
        return None
    return f"{_decision(hazard)}须由督办部门{_supervising_name(hazard)}作出"


def supervising_county(hazard: Hazard, caller: Principal) -> str | None:
    if caller.level == Level.TOWN:
        return f"乡镇（街道）不能确认重大隐患，须由督办部门{_supervising_name(hazard)}确认并下达限期整改指令"
    if is_supervising(hazard, caller) and len(hazard.supervising_region_code or "") == 6:
        return None
    return f"确认重大隐患须由县级及以上督办部门{_supervising_name(hazard)}作出"


def lister_candidate(hazard: Hazard, caller: Principal) -> str | None:
    refusal = f"挂牌督办须由县级及以上负有该行业监管职责的部门（如督办部门{_supervising_name(hazard)}）或安委办作出"
    if caller.level in (None, Level.TOWN) or not caller.covers(hazard.region_code):
        return refusal
    if caller.has(Role.SAFETY_COMMITTEE):
        return None
    if not caller.has(*DEPARTMENT_STAFF) or caller.department is None:
        return refusal
    kind = KIND_BY_CODE.get(caller.department)
    if caller.department == hazard.supervising_kind or (kind is not None and hazard.industry in kind.industries):
        return None
    return refusal


def lister(hazard: Hazard, caller: Principal) -> str | None:
    if is_lister(hazard, caller):
        return None
    if hazard.lister_kind is None:
        return f"{_decision(hazard)}须由督办部门{_supervising_name(hazard)}作出（此隐患未挂牌督办）"
    return f"{_decision(hazard)}须由挂牌督办机关{hazard.lister_name or '（名称未登记）'}作出"


CHECKS: dict[str, Callable[[Hazard, Principal], str | None]] = {
    declared.BY_ENTERPRISE.key: enterprise,
    declared.BY_REPORTER.key: reporter,
    declared.BY_SUPERVISING.key: supervising,
    declared.BY_SUPERVISING_COUNTY.key: supervising_county,
    declared.BY_LISTER_CANDIDATE.key: lister_candidate,
    declared.BY_LISTER.key: lister,
}


# ------------------------------------------------------------------------------ the checks as SQL


def _department_rows(caller: Principal, region_code, kind) -> ColumnElement[bool]:
    if not caller.has(*DEPARTMENT_STAFF) or caller.region_code is None:
        return false()
    return (region_code == caller.region_code) & (kind == caller.department)  # None: IS NULL, as compared


def supervising_rows(caller: Principal) -> ColumnElement[bool]:
    return _department_rows(caller, Hazard.supervising_region_code, Hazard.supervising_kind)


def enterprise_rows(caller: Principal) -> ColumnElement[bool]:
    return Hazard.enterprise_code == caller.enterprise_code if caller.enterprise_code else false()


def reporter_rows(caller: Principal) -> ColumnElement[bool]:
    return or_(enterprise_rows(caller), Hazard.reported_by == caller.subject, supervising_rows(caller))


def supervising_county_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.level == Level.TOWN:
        return false()
    return supervising_rows(caller) & (func.length(Hazard.supervising_region_code) == 6)


def lister_candidate_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.level in (None, Level.TOWN):
        return false()
    covered = Hazard.region_code.startswith(jurisdiction_prefix(caller.region_code))
    if caller.has(Role.SAFETY_COMMITTEE):
        return covered
    if not caller.has(*DEPARTMENT_STAFF) or caller.department is None:
        return false()
    kind = KIND_BY_CODE.get(caller.department)
    in_line = Hazard.industry.in_(kind.industries) if kind is not None else false()
    return covered & or_(Hazard.supervising_kind == caller.department, in_line)


def lister_rows(caller: Principal) -> ColumnElement[bool]:
    committee = (
        (Hazard.lister_kind == COMMITTEE) & (Hazard.lister_region_code == caller.region_code)
        if caller.has(Role.SAFETY_COMMITTEE) and caller.region_code
        else false()
    )
    department = Hazard.lister_kind.is_not(None) & _department_rows(
        caller, Hazard.lister_region_code, Hazard.lister_kind
    )
    return or_(Hazard.lister_kind.is_(None) & supervising_rows(caller), committee, department)


ROWS: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    declared.BY_ENTERPRISE.key: enterprise_rows,
    declared.BY_REPORTER.key: reporter_rows,
    declared.BY_SUPERVISING.key: supervising_rows,
    declared.BY_SUPERVISING_COUNTY.key: supervising_county_rows,
    declared.BY_LISTER_CANDIDATE.key: lister_candidate_rows,
    declared.BY_LISTER.key: lister_rows,
}
