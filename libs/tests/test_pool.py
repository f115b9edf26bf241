"""The database pool and its limits on PostgreSQL: a connection the server closed is never handed
to a request; a request held up past the service's lock or statement timeout, or finding no free
connection in time, answers a 503 to retry, having changed nothing — never a 500."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import sample_apps
from qingling.app import create_service_app
from qingling.db import create_engine
from qingling.settings import Environment, ServiceSettings

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


@asynccontextmanager
async def _alpha(database_url: str, tmp_path, **limits) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The sample service alpha alone on PostgreSQL, with the database limits given."""
    settings = sample_apps.alpha.settings_class(
        environment=Environment.TEST, data_dir=tmp_path, database_url=database_url, run_workers=False, **limits
    )
    app = create_service_app(sample_apps.alpha, settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c, app


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param({"database_lock_timeout_seconds": 0.3}, id="lock_timeout"),
        pytest.param(
            {"database_statement_timeout_seconds": 0.3, "database_lock_timeout_seconds": 0}, id="statement_timeout"
        ),
    ],
)
async def test_a_write_held_up_past_the_database_limits_answers_503_to_retry_and_changes_nothing(
    new_postgres_database, tmp_path, limits
):
    database_url = new_postgres_database()
    async with _alpha(database_url, tmp_path, **limits) as (client, _):
        other = create_async_engine(database_url)
        try:
            async with other.connect() as holder:  # another transaction holds the notes a while
                await holder.execute(text("LOCK TABLE note IN EXCLUSIVE MODE"))
                held_up = await client.post("/api/v1/alpha/notes", json={"text": "动火作业"})
                await holder.rollback()
        finally:
            await other.dispose()
        again = await client.post("/api/v1/alpha/notes", json={"text": "动火作业"})
        notes = (await client.get("/api/v1/alpha/notes")).json()

    assert held_up.status_code == 503, held_up.text
    assert held_up.headers["content-type"] == "application/problem+json"
    assert held_up.json()["code"] == "database-busy" and held_up.headers["retry-after"] == "5"
    assert "请稍后重新提交" in held_up.json()["detail"]
    assert again.status_code == 201  # sent again later, it passes
    assert [note["text"] for note in notes] == ["动火作业"]  # the held-up one left nothing behind


async def test_a_request_that_finds_no_free_connection_in_time_answers_503_to_retry(new_postgres_database, tmp_path):
    limits = {"database_pool_size": 1, "database_max_overflow": 0, "database_pool_timeout_seconds": 0.3}
    async with _alpha(new_postgres_database(), tmp_path, **limits) as (client, app):
        async with app.state.runtime.engine.connect():  # the pool's only connection, busy elsewhere
            crowded = await client.get("/api/v1/alpha/notes")
        later = await client.get("/api/v1/alpha/notes")

    assert crowded.status_code == 503, crowded.text
    assert crowded.json()["code"] == "database-busy" and crowded.headers["retry-after"] == "5"
    assert later.status_code == 200
