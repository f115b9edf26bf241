"""Baseline 1: FastAPI validates a tip-off-shaped body and inserts one row with the ORM.

BENCH_DATABASE_URL=sqlite+aiosqlite:///t.db uvicorn one_row:app --app-dir bench/baselines
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from common import TipOffBody, engine
from fastapi import FastAPI
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Report(Base):
    __tablename__ = "bench_tip_off"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30))
    facts: Mapped[str] = mapped_column(String(4000))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(9))
    consent: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


db = engine()
sessions = async_sessionmaker(db, expire_on_commit=False)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    async with db.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await db.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/tip-offs", status_code=201)
async def submit(body: TipOffBody) -> dict:
    async with sessions() as session:
        report = Report(
            channel=body.channel,
            category=body.category,
            facts=body.facts,
            enterprise_code=body.enterprise_code,
            region_code=body.region_code,
            consent=body.consent.model_dump(),
            received_at=datetime.now(UTC),
        )
        session.add(report)
        await session.commit()
        return {"id": report.id}
