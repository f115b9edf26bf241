"""SQLite's write-ahead log is copied into the database beside the event loop (``checkpoints_aside``),
not by the commit that happens to fill it: every statement of the embedded mode runs on the loop's
thread, so a commit that copied a thousand pages would hold up every request of the process."""

import asyncio

import pytest
from sqlalchemy import text

from qingling.db import checkpoints_aside, create_engine
from qingling.settings import ServiceSettings

pytestmark = pytest.mark.asyncio


ROW = "整改情况说明" * 110  # ~2 KB


async def _write(engine, rows: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT)"))
    for _ in range(0, rows, 100):
        async with engine.begin() as connection:  # many commits, as requests make them
            await connection.execute(text("INSERT INTO note (body) VALUES (:body)"), [{"body": ROW}] * 100)


async def test_commits_leave_the_log_to_the_thread_that_copies_it(tmp_path):
    database = tmp_path / "notes.db"
    settings = ServiceSettings(database_url=f"sqlite+aiosqlite:///{database}", data_dir=tmp_path)
    engine = create_engine(settings)
    try:
        # ~6 MB in 30 commits: past SQLite's own threshold (1,000 pages, 4 MB) the commit that
        # crossed it would have copied the log into the database; here none does.
        await _write(engine, 3000)
        assert database.stat().st_size < 1_000_000

        with checkpoints_aside(settings):
            for _ in range(100):  # the thread copies every half second
                if database.stat().st_size > 6_000_000:
                    break
                await asyncio.sleep(0.1)
            assert database.stat().st_size > 6_000_000  # the rows are in the database file now
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM note"))).scalar_one() == 3000
    finally:
        await engine.dispose()
