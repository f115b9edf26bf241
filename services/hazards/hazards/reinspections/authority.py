"""Who may re-inspect a closed 重大 hazard (回头看): the body that listed it — or, a hazard never
listed (an imported ledger's), its supervising department — and the level above that body: the
parent region's department of the same kind, or the parent region's 安委会 (安委办). Pure
functions of (hazard, caller) over the hazard's typed columns, as ``hazard.authority`` is."""

from __future__ import annotations

from dataclasses import dataclass

from hazards.hazard.authority import DEPARTMENT_STAFF
from hazards.hazard.models import COMMITTEE, Hazard
from hazards.reinspections.schemas import Capacity
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.regions import parent


@dataclass(frozen=True)
class Body:
    """A body that acts on a hazard: a department of a kind, or a level's 安委会."""

    region_code: str
    kind: str
    name: str


def lister(hazard: Hazard) -> Body | None:
    """The body the 回头看 answers to: the lister, else the supervising department."""
    if hazard.lister_kind is not None and hazard.lister_region_code is not None:
        return Body(hazard.lister_region_code, hazard.lister_kind, hazard.lister_name or "")
    if hazard.supervising_region_code is not None and hazard.supervising_kind is not None:
        return Body(hazard.supervising_region_code, hazard.supervising_kind, hazard.supervising_name or "")
    return None


def caller_kind(caller: Principal) -> str | None:
    """The kind of body the caller acts for — as a listing records it."""
    if caller.has(Role.SAFETY_COMMITTEE) and not caller.department:
        return COMMITTEE
    return caller.department if caller.has(*DEPARTMENT_STAFF) else None


def _is(caller: Principal, region_code: str, kind: str) -> bool:
    if kind == COMMITTEE:
        return caller.has(Role.SAFETY_COMMITTEE) and caller.region_code == region_code
    return caller.has(*DEPARTMENT_STAFF) and caller.region_code == region_code and caller.department == kind


def capacity(hazard: Hazard, caller: Principal) -> Capacity | None:
    """In what capacity ``caller`` may re-inspect ``hazard``; None: not at all."""
    body = lister(hazard)
    if body is None:
        return None
    if _is(caller, body.region_code, body.kind):
        return Capacity.LISTER
    above = parent(body.region_code)
    if above is not None and (
        _is(caller, above, COMMITTEE) or (body.kind != COMMITTEE and _is(caller, above, body.kind))
    ):
        return Capacity.ABOVE
    return None
