"""Bulk writes (``qingling.bulk``): rows written in one statement read back exactly as rows the ORM
wrote, on SQLite and PostgreSQL; ids reserved before the rows exist are the table's own."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel
from sqlalchemy import JSON, MetaData, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from qingling.bulk import insert_new, insert_rows, reserve_ids
from qingling.db import PydanticJSON


class _Base(SQLModel, registry=registry(metadata=MetaData())):
    pass


class Detail(BaseModel):
    note: str
    count: int | None = None


class Row(_Base, table=True):
    __tablename__ = "bulk_row"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
    flag: bool = False
    number: int = 0
    at: datetime
    day: date | None = None
    maybe_at: datetime | None = None
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    payload: dict = Field(default_factory=dict, sa_type=JSON)
    detail: Detail = Field(sa_type=PydanticJSON(Detail))
    token: uuid.UUID = Field(unique=True)


def _values(n: int) -> dict:
    beijing = timezone(timedelta(hours=8))
    return {
        "name": f"第{n}条 “引号” \\ 与 '单引号'",
        "flag": n % 2 == 0,
        "number": n * 1000,
        "at": datetime(2025, 9, 1, 8, n, 30, 123456, tzinfo=beijing),
        "day": date(2025, 9, n + 1) if n % 3 else None,
        "maybe_at": None if n % 2 else datetime(2025, 1, 1, tzinfo=UTC),
        "tags": ["confined_space", "中文"][: n % 3],
        "payload": {"nested": {"list": [1, 2.5, None, True], "text": "换行\n与制表\t"}, "n": n},
        "detail": Detail(note=f"备注{n}", count=n if n % 2 else None),
        "token": uuid.UUID(int=n + 1),
    }


def _read(row: Row) -> tuple:
    return (
        row.name, row.flag, row.number, row.at, row.day, row.maybe_at, row.tags, row.payload,
        row.detail, row.token,
    )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
async def session(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bulk.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")()
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    await engine.dispose()


async def test_rows_written_in_bulk_read_back_as_the_orm_writes_them(session):
    by_orm = [Row(**_values(n)) for n in range(4)]
    session.add_all(by_orm)
    await session.flush()
    ids = await reserve_ids(session, Row, 4)
    bulk = [_values(n) | {"id": row_id, "token": uuid.UUID(int=100 + n)} for n, row_id in enumerate(ids)]
    await insert_rows(session, Row, bulk)
    await session.commit()

    session.expunge_all()
    stored = {row.id: row for row in (await session.execute(select(Row))).scalars()}
    assert len(stored) == 8
    for n, (orm_row, values) in enumerate(zip(by_orm, bulk, strict=True)):
        assert _read(stored[values["id"]])[:-1] == _read(stored[orm_row.id])[:-1] == _read(Row(**_values(n)))[:-1]
        assert (stored[values["id"]].token, stored[orm_row.id].token) == (uuid.UUID(int=100 + n), uuid.UUID(int=n + 1))


async def test_reserved_ids_are_the_tables_own(session):
    session.add(Row(**_values(1)))
    await session.flush()
    ids = await reserve_ids(session, Row, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3
    await insert_rows(session, Row, [_values(n + 2) | {"id": row_id} for n, row_id in enumerate(ids)])
    after = Row(**_values(5))
    session.add(after)  # an ordinary insert afterwards takes an id of its own
    await session.flush()
    assert after.id not in ids
    assert await reserve_ids(session, Row, 0) == []


async def test_a_column_the_table_lacks_is_refused(session):
    with pytest.raises(ValueError, match="no column"):
        await insert_rows(session, Row, [_values(1) | {"colour": "red"}])


async def test_a_time_without_its_zone_is_refused(session):
    naive = _values(1) | {"at": datetime(2025, 9, 1, 8, 0)}
    with pytest.raises((ValueError, StatementError)):  # as the ORM refuses it
        await insert_rows(session, Row, [naive])


async def test_insert_new_leaves_the_rows_whose_key_is_taken(session):
    session.add(Row(**_values(1)))
    await session.flush()
    rows = [_values(n) for n in (1, 2, 3)]  # token of 1 is taken

    inserted = await insert_new(session, Row, rows, key=["token"])

    assert inserted == {str(uuid.UUID(int=3)), str(uuid.UUID(int=4))}
    assert await insert_new(session, Row, rows, key=["token"]) == set()
    names = sorted(row.name for row in (await session.execute(select(Row))).scalars())
    assert names == sorted(_values(n)["name"] for n in (1, 2, 3))
