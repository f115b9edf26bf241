"""An install with tip-offs flagged as possible duplicates keeps its flags across the migration
that moves them from a JSON list on each tip-off to one row per pair — on both engines, and back."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from qingling.migrations import alembic_config
from qingling.runtime import open_runtime
from qingling.settings import Environment
from qlstack.services import service_module

pytestmark = pytest.mark.asyncio

BEFORE = "f59f9bf0f4e2"  # the revision before tip_off_flag
LISTS = {1: [2, 3], 2: [1], 3: [1, 99]}  # 99: a tip-off that is not there


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/reports.db"
    return request.getfixturevalue("new_postgres_database")()


def _filler(column: sa.Column) -> object:
    """A value for a required column the test does not care about."""
    kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
    return {str: "x", int: 0, bool: False, datetime: datetime(2026, 1, 5, tzinfo=UTC), dict: {}}.get(kind, "x")


def _tip_offs(connection: sa.Connection) -> None:
    table = sa.Table("tip_off", sa.MetaData(), autoload_with=connection)
    required = [c for c in table.columns if not c.nullable and c.server_default is None and c.name != "id"]
    for tip_off_id, flags in LISTS.items():
        row = {c.name: _filler(c) for c in required} | {"id": tip_off_id, "receipt_code": f"CODE{tip_off_id}"}
        connection.execute(table.insert().values(row | {"possible_duplicates": flags}))


def _lists(connection: sa.Connection) -> dict[int, list[int]]:
    table = sa.Table("tip_off", sa.MetaData(), autoload_with=connection)
    rows = connection.execute(sa.select(table.c.id, table.c.possible_duplicates))
    return {tip_off_id: json.loads(flags) if isinstance(flags, str) else flags for tip_off_id, flags in rows}


async def test_flags_carried_over_as_pairs_and_back(database_url, tmp_path):
    service = service_module("reports").service
    settings = service.settings_class(environment=Environment.TEST, data_dir=tmp_path, database_url=database_url)
    config = alembic_config(service, settings)

    def migrate(connection: sa.Connection, target: str, step=command.upgrade) -> None:
        config.attributes["connection"] = connection
        step(config, target)

    async with open_runtime(service, settings) as runtime, runtime.engine.begin() as connection:
        await connection.run_sync(migrate, BEFORE)
        await connection.run_sync(_tip_offs)
        await connection.run_sync(migrate, "head")
        pairs = (await connection.execute(sa.text("SELECT tip_off_id, other_id FROM tip_off_flag"))).all()
        assert sorted(pairs) == [(2, 1), (3, 1)]  # each pair once, the later first; 99 dropped

        await connection.run_sync(migrate, BEFORE, command.downgrade)
        assert await connection.run_sync(_lists) == {1: [2, 3], 2: [1], 3: [1]}
