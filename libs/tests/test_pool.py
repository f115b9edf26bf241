"""The database pool: a PostgreSQL connection the server closed is never handed to a request."""

import asyncio

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
                gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
                for _ in range(100):  # the server ends it in its own time
                    if (await connection.execute(gone, {"pid": pid})).scalar_one():
                        break
                    await asyncio.sleep(0.05)
        finally:
            await killer.dispose()
        # Idle in the pool means the client's event loop has run since: it has read the server's
        # goodbye. (A connection the server ends in the very instant it is taken fails like any
        # query cut off mid-way; the pool replaces it after that.)
        await asyncio.sleep(0.2)

        async with engine.connect() as connection:  # no error: the pool took a fresh connection
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()
