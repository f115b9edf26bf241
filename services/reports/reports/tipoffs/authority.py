"""Who decides each step of a tip-off (the authorities declared in ``lifecycle.py``), and where a
case may be handed: pure functions of the tip-off and the caller, answering None when the caller
is the body the rules name, else why not, in Chinese, naming the department by name. ``ROWS``
holds the same checks as WHERE clauses, for the list of what waits for a caller (the API tests
hold the two to the same answers)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, false, func, or_

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.regions import NATION, Level, covers, jurisdiction_prefix, level, parent
from reports.tipoffs.models import TipOff

COUNTY_AND_ABOVE = frozenset({Level.NATION, Level.PROVINCE, Level.CITY, Level.COUNTY})


def in_department(caller: Principal, region_code: str | None, kind: str | None) -> bool:
    """Whether ``caller`` works in the department of ``kind`` at ``region_code``."""
    return (
        region_code is not None and kind is not None and (caller.region_code, caller.department) == (region_code, kind)
    )


def _lead_name(tip_off: TipOff) -> str:
    return tip_off.lead_department or "（尚未确定主办部门）"


def lead(tip_off: TipOff, caller: Principal) -> str | None:
    if tip_off.lead_region_code is None:
        return "这件举报尚未确定主办部门（企业和部门名录暂时无法查询），确定后由主办部门办理"
    if in_department(caller, tip_off.lead_region_code, tip_off.lead_kind):
        return None
    return f"这件举报由{tip_off.lead_department}主办，须由{tip_off.lead_department}办理"


def _above_in_line(tip_off: TipOff, caller: Principal) -> bool:
    """A department of the lead's own line (kind) at a higher level whose jurisdiction holds the case."""
    return (
        tip_off.lead_region_code is not None
        and caller.region_code is not None
        and caller.department == tip_off.lead_kind
        and level(caller.region_code) in COUNTY_AND_ABOVE
        and caller.region_code != tip_off.lead_region_code
        and covers(caller.region_code, tip_off.lead_region_code)
    )


def lead_or_above(tip_off: TipOff, caller: Principal) -> str | None:
    if lead(tip_off, caller) is None or _above_in_line(tip_off, caller):
        return None
    return f"这件举报由{_lead_name(tip_off)}主办，只有{_lead_name(tip_off)}或其上级同系统部门可以转办或更正事发地"


def city_or_above(tip_off: TipOff, caller: Principal) -> str | None:
    if in_department(caller, tip_off.lead_region_code, tip_off.lead_kind):
        return f"这件举报已由{tip_off.lead_department}（您的部门）主办"
    if caller.region_code is None or caller.department is None or caller.level not in (Level.PROVINCE, Level.CITY):
        return f"这件举报由{_lead_name(tip_off)}主办；只有市级及以上部门可以提级办理辖区内的举报"
    if not covers(caller.region_code, tip_off.region_code):
        return f"这件举报的事发地（{tip_off.region_code}）不在您的辖区内，不能提级办理"
    if caller.department != tip_off.lead_kind:  # the line that supervises the case's industry (行业)
        return f"这件举报由{_lead_name(tip_off)}主办，只有其上级同系统部门可以提级办理"
    return None


def level_above(tip_off: TipOff, caller: Principal) -> str | None:
    above = parent(tip_off.lead_region_code) if tip_off.lead_region_code else None
    if above is not None and in_department(caller, above, tip_off.lead_kind):
        return None
    return f"这件举报由{_lead_name(tip_off)}主办，须由其上一级（{above or '—'}）的同系统部门决定"


def reporter(tip_off: TipOff, caller: Principal) -> str | None:
    """Besides the receipt holder (never asked here): a hotline operator of the place, for a caller."""
    if caller.has(Role.OPERATOR) and caller.covers(tip_off.region_code):
        return None
    return "异议由举报人凭回执提出，或由事发地的接线员为来电的举报人登记"


CHECKS = {
    "reporter": reporter,
    "lead": lead,
    "lead_or_above": lead_or_above,
    "city_or_above": city_or_above,
    "level_above": level_above,
}


# ------------------------------------------------------------------------------ the checks as SQL


def lead_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.region_code is None or caller.department is None:
        return false()
    return (TipOff.lead_region_code == caller.region_code) & (TipOff.lead_kind == caller.department)


def _above_in_line_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.region_code is None or level(caller.region_code) not in COUNTY_AND_ABOVE:
        return false()
    return (
        (TipOff.lead_kind == caller.department)  # None: IS NULL, as compared
        & (TipOff.lead_region_code != caller.region_code)
        & TipOff.lead_region_code.startswith(jurisdiction_prefix(caller.region_code))
    )


def lead_or_above_rows(caller: Principal) -> ColumnElement[bool]:
    return or_(lead_rows(caller), _above_in_line_rows(caller))


def city_or_above_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.region_code is None or caller.department is None or caller.level not in (Level.PROVINCE, Level.CITY):
        return false()
    return (
        TipOff.lead_region_code.is_distinct_from(caller.region_code)
        & TipOff.region_code.startswith(jurisdiction_prefix(caller.region_code))
        & (TipOff.lead_kind == caller.department)
    )


def _children(column, code: str) -> ColumnElement[bool]:
    """``parent(column) == code`` (``qingling.regions.parent``): its towns, and a city's counties or
    a province's cities."""
    if code == NATION or len(code) != 6:  # a town has none
        return false()
    towns = (func.length(column) == 9) & column.startswith(code)
    below = {
        Level.CITY: column.like(code[:4] + "__") & (column != code),
        Level.PROVINCE: column.like(code[:2] + "__00") & (column != code),
    }.get(level(code))
    return towns if below is None else or_(towns, below)


def level_above_rows(caller: Principal) -> ColumnElement[bool]:
    if caller.region_code is None or caller.department is None:
        return false()
    return _children(TipOff.lead_region_code, caller.region_code) & (TipOff.lead_kind == caller.department)


def reporter_rows(caller: Principal) -> ColumnElement[bool]:
    if not caller.has(Role.OPERATOR) or caller.region_code is None:
        return false()
    return TipOff.region_code.startswith(jurisdiction_prefix(caller.region_code))


ROWS: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "reporter": reporter_rows,
    "lead": lead_rows,
    "lead_or_above": lead_or_above_rows,
    "city_or_above": city_or_above_rows,
    "level_above": level_above_rows,
}


def transfer_destination(caller: Principal, region_code: str) -> str | None:
    """Where ``caller`` may transfer a case: a department of their own jurisdiction, or of the
    level directly above — never sideways into another county or province (that is a correction
    of the place, ``relocate``, which says so on the trail)."""
    own = caller.region_code
    if own is not None and (covers(own, region_code) or region_code == parent(own)):
        return None
    return (
        f"转办只能交给本辖区（{own}）内的部门或上一级部门，{region_code} 不在其中；"
        "事发地有误、应由其他区县或省份办理的，请用“更正事发地”（relocate）"
    )
