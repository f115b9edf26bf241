"""Several people report the same matter — one by the 12345 hotline, another by the mini-program.
Intake flags the open tip-offs that may be the same matter (the same enterprise; or the same
category within a short distance), both ways, for the handlers to compare and merge."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import Principal
from qingling.media import distance_m
from qingling.runtime import Runtime
from reports.duplicates import schemas
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.models import TipOff

METRES_PER_DEGREE = 111_320  # of latitude; of longitude, times cos(latitude)


async def flag(session: AsyncSession, runtime: Runtime, tip_off: TipOff) -> None:
    """Marks ``tip_off`` and the open tip-offs that may report the same matter as each other's
    possible duplicates."""
    found = await candidates(session, runtime, tip_off, lock=True)  # two intakes may flag the same one
    tip_off.possible_duplicates = [other.id for other in found]
    for other in found:
        other.possible_duplicates = [*other.possible_duplicates, tip_off.id]


async def candidates(session: AsyncSession, runtime: Runtime, tip_off: TipOff, *, lock: bool = False) -> list[TipOff]:
    settings = runtime.settings
    since = tip_off.received_at - timedelta(days=settings.duplicate_window_days)
    near = []
    if tip_off.enterprise_code:
        near.append(TipOff.enterprise_code == tip_off.enterprise_code)
    if tip_off.latitude is not None and tip_off.longitude is not None:
        d_lat = settings.duplicate_radius_m / METRES_PER_DEGREE
        d_lon = d_lat / max(math.cos(math.radians(tip_off.latitude)), 0.01)
        near.append(
            (TipOff.category == tip_off.category)
            & TipOff.latitude.between(tip_off.latitude - d_lat, tip_off.latitude + d_lat)
            & TipOff.longitude.between(tip_off.longitude - d_lon, tip_off.longitude + d_lon)
        )
    if not near:
        return []
    query = (
        select(TipOff)
        .where(
            TipOff.id != tip_off.id,
            TipOff.state.not_in(TIP_OFF_LIFECYCLE.final),
            TipOff.received_at >= since,
            or_(*near),
        )
        .order_by(TipOff.id.desc())  # the latest first: the likeliest to be the same matter
        .limit(50)
    )
    found = (await session.execute(query.with_for_update() if lock else query)).scalars()
    return [
        other
        for other in found
        if _same_enterprise(tip_off, other) or _within(tip_off, other, settings.duplicate_radius_m)
    ]


async def merged_into(session: AsyncSession, case: TipOff) -> list[TipOff]:
    query = select(TipOff).where(TipOff.duplicate_of == case.id, TipOff.state == "merged").order_by(TipOff.id)
    return list((await session.execute(query)).scalars())


async def duplicates(session: AsyncSession, runtime: Runtime, caller: Principal, tip_off: TipOff) -> schemas.Duplicates:
    """What the handler compares: the open candidates they may see, and what was merged in."""
    found = [t for t in await candidates(session, runtime, tip_off) if caller.covers(t.region_code)]
    return schemas.Duplicates(
        tip_off_id=tip_off.id,
        candidates=[_candidate(tip_off, t) for t in found],
        merged=[_candidate(tip_off, t) for t in await merged_into(session, tip_off)],
    )


def _same_enterprise(one: TipOff, other: TipOff) -> bool:
    return one.enterprise_code is not None and one.enterprise_code == other.enterprise_code


def _within(one: TipOff, other: TipOff, radius_m: float) -> bool:
    distance = _distance(one, other)
    return distance is not None and distance <= radius_m and one.category == other.category


def _distance(one: TipOff, other: TipOff) -> float | None:
    if None in (one.latitude, one.longitude, other.latitude, other.longitude):
        return None
    return distance_m(one.latitude, one.longitude, other.latitude, other.longitude)


def _candidate(tip_off: TipOff, other: TipOff) -> schemas.Candidate:
    distance = _distance(tip_off, other)
    return schemas.Candidate.model_validate(
        {
            **other.model_dump(),
            "state_title": TIP_OFF_LIFECYCLE.states[other.state],
            "same_enterprise": _same_enterprise(tip_off, other),
            "distance_m": round(distance, 1) if distance is not None else None,
        }
    )
