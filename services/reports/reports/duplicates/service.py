"""Several people report the same matter — one by the 12345 hotline, another by the mini-program.
Intake flags the open tip-offs that may be the same matter (the same enterprise; or the same
category within a short distance), both ways, for the handlers to compare and merge."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.principal import Principal
from qingling.media import distance_m
from qingling.runtime import Runtime
from reports.duplicates import schemas
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.models import TipOff, TipOffFlag

METRES_PER_DEGREE = 111_320  # of latitude; of longitude, times cos(latitude)
MAX_FLAGS = 50  # possible duplicates a tip-off shows: as many as intake looks at


_TIP_OFF = TipOff.__table__.c  # intake reads plain rows (a Core query): it loads no objects
FLAGGING = (_TIP_OFF.id, _TIP_OFF.enterprise_code, _TIP_OFF.category, _TIP_OFF.latitude, _TIP_OFF.longitude)
_INSERT_FLAGS = insert(TipOffFlag.__table__)  # built once: intake's hot path
_FLAGGED = bindparam("flagged", type_=Integer)


async def flag(session: AsyncSession, runtime: Runtime, tip_off: TipOff) -> None:
    """Flags ``tip_off`` (inserted now) and the open tip-offs that may report the same matter as
    possibly the same, both ways: one row per pair. Locks nothing: the pairs are rows of their own.
    Naming only an enterprise, every candidate is one: read and flagged in one statement
    (``INSERT … SELECT``), nothing brought back. By place, the box the query reads is refined by
    distance here."""
    if (query := _candidates(runtime, tip_off, FLAGGING)) is None:
        return
    statement, values = query
    if tip_off.latitude is None or tip_off.longitude is None:
        await session.execute(_flag_all(), {**values, "flagged": tip_off.id})
        return
    rows = (await session.execute(statement, values)).all()
    found = [row for row in rows if _same_enterprise(tip_off, row) or _within(tip_off, row, _radius(runtime))]
    if found:
        await session.execute(_INSERT_FLAGS, [{"tip_off_id": tip_off.id, "other_id": other.id} for other in found])


@cache
def _flag_all() -> Any:
    candidates = _candidates_query((_FLAGGED, _TIP_OFF.id), by_enterprise=True, by_place=False)
    return _INSERT_FLAGS.from_select(["tip_off_id", "other_id"], candidates)


async def flagged(session: AsyncSession, tip_off_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each tip-off's possible duplicates, both ways — the latest ``MAX_FLAGS`` of the up to fifty
    it flagged at its intake and those that flagged it since — for a page of tip-offs in one query."""
    ids = set(tip_off_ids)
    found: dict[int, set[int]] = {tip_off_id: set() for tip_off_id in ids}
    if ids:
        flags = TipOffFlag.__table__.c
        query = select(flags.tip_off_id, flags.other_id).where(or_(flags.tip_off_id.in_(ids), flags.other_id.in_(ids)))
        for later, earlier in await session.execute(query):
            if later in found:
                found[later].add(earlier)
            if earlier in found:
                found[earlier].add(later)
    return {tip_off_id: sorted(others)[-MAX_FLAGS:] for tip_off_id, others in found.items()}


async def candidates(session: AsyncSession, runtime: Runtime, tip_off: TipOff) -> list[TipOff]:
    if (query := _candidates(runtime, tip_off, (TipOff,))) is None:
        return []
    found = (await session.execute(*query)).scalars()
    return [other for other in found if _same_enterprise(tip_off, other) or _within(tip_off, other, _radius(runtime))]


def _radius(runtime: Runtime) -> float:
    return runtime.settings.duplicate_radius_m


def _candidates(runtime: Runtime, tip_off: TipOff, columns: tuple[Any, ...]) -> tuple[Any, dict[str, Any]] | None:
    """The open tip-offs received within the window that name the same enterprise or lie near and
    are of the same category (by a box around the place, refined by distance by the caller); the
    latest 50 — as the query and its values. ``None`` when the tip-off names neither."""
    settings = runtime.settings
    by_enterprise = bool(tip_off.enterprise_code)
    by_place = tip_off.latitude is not None and tip_off.longitude is not None
    if not (by_enterprise or by_place):
        return None
    values = {
        "own_id": tip_off.id or 0,  # none yet at intake
        "since": tip_off.received_at - timedelta(days=settings.duplicate_window_days),
        "enterprise_code": tip_off.enterprise_code,
        "category": tip_off.category,
    }
    if by_place:
        d_lat = settings.duplicate_radius_m / METRES_PER_DEGREE
        d_lon = d_lat / max(math.cos(math.radians(tip_off.latitude)), 0.01)
        values |= {"lat_from": tip_off.latitude - d_lat, "lat_to": tip_off.latitude + d_lat}
        values |= {"lon_from": tip_off.longitude - d_lon, "lon_to": tip_off.longitude + d_lon}
    return _candidates_query(columns, by_enterprise, by_place), values


@cache
def _candidates_query(columns: tuple[Any, ...], by_enterprise: bool, by_place: bool) -> Any:
    """Built once for each shape — intake asks it of every tip-off that names an enterprise or a place."""
    near = []
    if by_enterprise:
        near.append(TipOff.enterprise_code == bindparam("enterprise_code"))
    if by_place:
        near.append(
            (TipOff.category == bindparam("category"))
            & TipOff.latitude.between(bindparam("lat_from"), bindparam("lat_to"))
            & TipOff.longitude.between(bindparam("lon_from"), bindparam("lon_to"))
        )
    return (
        select(*columns)
        .where(
            TipOff.id != bindparam("own_id"),
            TipOff.state.not_in(TIP_OFF_LIFECYCLE.final),
            TipOff.received_at >= bindparam("since"),
            or_(*near),
        )
        .order_by(TipOff.id.desc())  # the latest first: the likeliest to be the same matter
        .limit(MAX_FLAGS)
    )


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


def _same_enterprise(one: TipOff, other: Any) -> bool:
    return one.enterprise_code is not None and one.enterprise_code == other.enterprise_code


def _within(one: TipOff, other: Any, radius_m: float) -> bool:
    distance = _distance(one, other)
    return distance is not None and distance <= radius_m and one.category == other.category


def _distance(one: TipOff, other: Any) -> float | None:
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
