"""The database pool: a PostgreSQL connection the server closed is never handed to a request."""

import pytest
from sqlalchemy import text

from qingling.db import create_engine
from qingling.settings import ServiceSettings

pytestmark = pytest.mark.asyncio


async def test_a_connection_the_server_closed_is_replaced_before_use(new_postgres_database, tmp_path):
    settings = ServiceSettings(database_url=new_postgres_database(), data_dir=tmp_path)
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        # The server ends that backend (a restart does the same to all of them) while it idles in the pool.
        killer = create_engine(settings)
        try:
            async with killer.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            await killer.dispose()

        async with engine.connect() as connection:  # no error: the pool took a fresh connection
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()
