"""Configuration kept per region, in versions: the reminder ladders and the message templates.

A version belongs to a region (``region_code``; ``""`` is the national default, which only a
release writes). For a place, the nearest region's newest version applies: the town's, else the
county's, the city's, the province's, else the national default. Only an admin whose
jurisdiction contains a region adds a version for it; a caller sees the versions that apply to
their own place and, for staff, those of their jurisdiction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.regions import NATION, parent

NATIONAL = ""  # the region of the national default versions
T = TypeVar("T")


def lineage(region_code: str | None) -> list[str]:
    """The regions whose versions apply to a place, nearest first, ending with the national default."""
    chain: list[str] = []
    code = region_code if region_code and region_code != NATION else None
    while code:
        chain.append(code)
        code = parent(code)
    return [*chain, NATIONAL]


async def nearest_newest(session: AsyncSession, model: type[T], region_code: str | None, *where: Any) -> T | None:
    """The newest version of the nearest region containing ``region_code`` (among rows matching
    ``where``), the national default when no region on the way has one."""
    query = select(model).where(model.region_code.in_(lineage(region_code)), *where)  # type: ignore[attr-defined]
    return pick((await session.execute(query)).scalars(), region_code)


def pick(versions: Iterable[T], region_code: str | None) -> T | None:
    """Among the versions of one thing, the newest of the nearest region containing
    ``region_code`` — so a pass that words many places reads a template's versions once."""
    rank = {code: nearest for nearest, code in enumerate(lineage(region_code))}
    applying = [v for v in versions if v.region_code in rank]  # type: ignore[attr-defined]
    return min(applying, key=lambda v: (rank[v.region_code], -v.version), default=None)  # type: ignore[attr-defined]


def visible_to(caller: Principal, region_column: Any) -> ColumnElement[bool]:
    """The versions a caller may list: those that apply to the caller's own place (the national
    default and the regions above it), and for staff every region of their jurisdiction."""
    if caller.has(Role.SERVICE):
        return true()
    clauses = [region_column.in_(lineage(caller.region_code))]
    if caller.has(*STAFF_ROLES) and caller.jurisdiction is not None:
        clauses.append(region_column.startswith(caller.jurisdiction))
    return or_(*clauses)
