"""Temporal history: a change closes the version in force and opens the next; ``as_of`` reads
the one in force at a moment (whole, or as disjoint parts); bulk first versions; one current version per item."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from qingling.history import History, VersionBase


class _Base(SQLModel, registry=registry(metadata=MetaData())):
    pass


class Thing(_Base, table=True):
    id: int | None = Field(default=None, primary_key=True)
    state: str
    grade: str


class ThingVersion(VersionBase, _Base, table=True):
    __tablename__ = "thing_version"
    item_id: int = Field(foreign_key="thing.id")
    state: str
    grade: str


HISTORY = History(ThingVersion)
T = [datetime(2025, 9, day, tzinfo=UTC) for day in range(1, 10)]


@pytest.fixture
async def session():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    await engine.dispose()


async def _as_of(session, when, **kwargs):
    return await _rows(session, HISTORY.as_of(when, **kwargs))


async def _rows(session, condition):
    query = select(ThingVersion).where(condition).order_by(ThingVersion.item_id)
    return [(v.item_id, v.state, v.grade) for v in (await session.execute(query)).scalars()]


async def test_changes_close_the_version_in_force_and_as_of_reads_the_past(session):
    thing = Thing(state="reported", grade="general")
    session.add(thing)
    await session.flush()
    HISTORY.record(session, thing, at=T[1])
    await session.flush()
    thing.state = "rectifying"
    HISTORY.record(session, thing, at=T[3])
    thing.grade = "major"  # two changes before one flush: chained in the order recorded
    HISTORY.record(session, thing, at=T[3])
    thing.state = "closed"
    HISTORY.record(session, thing, at=T[5])
    await session.commit()

    assert HISTORY.fields == ("state", "grade")
    assert await _as_of(session, T[0]) == []  # not yet known
    assert await _as_of(session, T[1]) == [(thing.id, "reported", "general")]
    assert await _as_of(session, T[2]) == [(thing.id, "reported", "general")]
    assert await _as_of(session, T[3]) == [(thing.id, "rectifying", "major")]
    assert await _as_of(session, T[8]) == [(thing.id, "closed", "major")]
    assert await _as_of(session, T[8], now=T[6]) == [(thing.id, "closed", "major")]  # current versions
    for when in T:  # as_of_parts: disjoint parts that together are as_of
        parts = [await _rows(session, part) for part in HISTORY.as_of_parts(when)]
        assert sorted(row for rows in parts for row in rows) == await _as_of(session, when)
    assert HISTORY.as_of_parts(T[8], now=T[6])[0].compare(HISTORY.current())
    versions = (await session.execute(select(ThingVersion).order_by(ThingVersion.id))).scalars().all()
    assert [(v.valid_from, v.valid_to) for v in versions] == [(T[1], T[3]), (T[3], T[3]), (T[3], T[5]), (T[5], None)]


async def test_bulk_first_versions_and_one_current_version_per_item(session):
    session.add_all([Thing(id=1, state="reported", grade="general"), Thing(id=2, state="closed", grade="major")])
    await session.flush()
    await HISTORY.record_new(
        session, [{"id": 1, "state": "reported", "grade": "general"}, {"id": 2, "state": "closed", "grade": "major"}],
        at=T[1],
    )  # fmt: skip
    await session.commit()
    assert await _as_of(session, T[2]) == [(1, "reported", "general"), (2, "closed", "major")]

    # A second current version written behind the mechanism's back is refused by the index.
    with pytest.raises(IntegrityError):
        await session.execute(ThingVersion.__table__.insert().values(item_id=2, valid_from=T[4], state="x", grade="y"))
