"""Writing many rows at once — for bulk paths such as an enterprise reporting a thousand hazards
in one request, where building, binding and sending rows one by one costs more than the writes.

    ids = await reserve_ids(session, Hazard, len(rows))   # the ids before the rows exist
    await insert_rows(session, Hazard, rows)              # one statement for all of them

On PostgreSQL ``insert_rows`` sends the rows as one JSON document and the server expands it
(``INSERT … SELECT … FROM json_populate_recordset``): one parameter, one round trip, encoded in
one call, instead of SQLAlchemy's per-row parameter processing (measured: the larger
part of a 1,000-hazard batch's time). On SQLite it is a Core ``executemany`` in the same
transaction. Either way the rows are written by the caller's session: one transaction, owned by
the caller, as everywhere else.

Values are what a Core insert takes — columns by name, Python values; pydantic models in
``PydanticJSON`` columns are written as that type writes them (``model_dump(mode="json",
exclude_none=True)``). Every row names the same columns; the columns a row leaves out get their
server defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import pydantic_core
from pydantic import BaseModel
from sqlalchemy import DateTime, Table, func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.db import PydanticJSON, dialect_of, table_of


async def reserve_ids(session: AsyncSession, model: Any, count: int) -> list[int]:
    """``count`` new values of the table's integer primary key ``id``, ascending, taken before
    the rows are written — so rows that name each other (an audit entry's hash covers its
    hazard's id, and the hazard keeps the hash) are written once, not inserted and then updated.
    PostgreSQL: from the column's sequence, as an insert would take them (concurrent writers get
    other values). SQLite: after the largest id, which is safe because a transaction there holds
    the write lock from its start (``BEGIN IMMEDIATE``) on the single connection."""
    if count <= 0:
        return []
    if dialect_of(session) == "postgresql":
        return sorted((await session.execute(_next_ids(table_of(model)), {"n": count})).scalars())
    largest = (await session.execute(_largest_id(table_of(model)))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


async def insert_rows(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts ``rows`` into the model's table with one statement (see the module's note)."""
    if not rows:
        return
    table = table_of(model)
    names = _columns(table, rows)
    if dialect_of(session) != "postgresql":
        await session.execute(_insert_into(table), list(rows))
        return
    await session.execute(_from_document(table, tuple(names)), {"rows": _document(table, names, rows)})


async def insert_new(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> set:
    """Inserts the rows whose ``key`` is not taken yet (``ON CONFLICT (key) DO NOTHING``: a row a
    concurrent transaction is inserting is waited for, then left to it) with one statement;
    returns the keys it inserted (a single column's values, else tuples), as text."""
    if not rows:
        return set()
    table = table_of(model)
    names = _columns(table, rows)
    if dialect_of(session) == "postgresql":
        statement = _from_document(table, tuple(names), tuple(key))
        found = (await session.execute(statement, {"rows": _document(table, names, rows)})).all()
    else:  # an executemany SQLAlchemy sends as multi-row VALUES, under SQLite's parameter limit
        found = (await session.execute(_insert_new_into(table, tuple(key)), list(rows))).all()
    return {str(row[0]) if len(key) == 1 else tuple(str(value) for value in row) for row in found}


# The statements are built once per table (and columns): values are bound as they run, and a
# statement built per call costs more than a small batch's rows.


@cache
def _next_ids(table: Table) -> Any:
    return text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)")


@cache
def _largest_id(table: Table) -> Any:
    return select(func.coalesce(func.max(table.c.id), 0))


@cache
def _insert_into(table: Table) -> Any:
    return insert(table)


@cache
def _insert_new_into(table: Table, key: tuple[str, ...]) -> Any:
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=key).returning(*(table.c[name] for name in key))


def _columns(table: Table, rows: Sequence[dict[str, Any]]) -> list[str]:
    names = list(rows[0])
    if unknown := set(names) - set(table.c.keys()):
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"rows for {table.name} name different columns")
    return names


@cache
def _from_document(table: Table, names: tuple[str, ...], new_by: tuple[str, ...] = ()) -> Any:
    """PostgreSQL: the rows of the JSON document ``:rows`` into ``names`` of ``table`` — given
    ``new_by``, only those whose key is not taken, returning their keys."""
    columns, quoted = ", ".join(f'"{name}"' for name in names), f'"{table.name}"'
    statement = f"INSERT INTO {quoted} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{quoted}, :rows)"
    if new_by:
        target = ", ".join(f'"{name}"' for name in new_by)
        statement += f" ON CONFLICT ({target}) DO NOTHING RETURNING {target}"
    return text(statement)


def _document(table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON array, written by pydantic-core's encoder (three times as fast as
    ``json.dumps`` with a hook for the values JSON has no type for): times in ISO 8601 with their
    offset, dates, UUIDs and enums as text, and each ``PydanticJSON`` model as that type writes it."""
    times = [name for name in names if isinstance(_underlying(table.c[name].type), DateTime)]
    for row in rows:
        for name in times:
            if (value := row[name]) is not None and value.tzinfo is None:  # as the models' datetime type
                raise ValueError(f"{table.name}.{name}: a time without its time zone: {value!r}")
    models = [name for name in names if isinstance(table.c[name].type, PydanticJSON)]
    if models:
        rows = [row | {name: _model_json(row[name]) for name in models} for row in rows]
    return pydantic_core.to_json(rows).decode()


def _underlying(column_type: Any) -> Any:
    return getattr(column_type, "impl_instance", column_type)  # a TypeDecorator's own type


def _model_json(value: Any) -> Any:
    return value.model_dump(mode="json", exclude_none=True) if isinstance(value, BaseModel) else value
