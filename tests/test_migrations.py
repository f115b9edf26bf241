"""Each service's migrations build exactly the schema its models declare, on both engines, and
can be rolled back and re-applied."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from qingling.migrations import alembic_config
from qingling.runtime import open_runtime
from qingling.settings import Environment
from qlstack.services import SERVICE_NAMES, service_module

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/service.db"
    return request.getfixturevalue("new_postgres_database")()


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_migrations_match_the_models_and_round_trip(name, database_url, tmp_path):
    service = service_module(name).service
    settings = service.settings_class(environment=Environment.TEST, data_dir=tmp_path, database_url=database_url)
    config = alembic_config(service, settings)

    async with open_runtime(service, settings) as runtime:

        def run(connection, *steps):
            config.attributes["connection"] = connection
            for step, target in steps:
                step(config, target)
            return compare_metadata(MigrationContext.configure(connection), service.metadata)

        async with runtime.engine.begin() as connection:
            differences = await connection.run_sync(
                run, (command.upgrade, "head"), (command.downgrade, "base"), (command.upgrade, "head")
            )

    assert differences == []
