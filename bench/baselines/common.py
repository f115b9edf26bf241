"""What both baselines share: the tip-off-shaped body they validate, and their database engine.

A baseline is the fastest honest way to do a piece of Qingling's work with the same tools
(FastAPI, pydantic, SQLAlchemy, the same drivers and pragmas), without Qingling's own code in the
request path: what the product's guarantees and structure cost is the difference.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class Consent(BaseModel):
    notice_version: str
    agreed: Literal[True]


class TipOffBody(BaseModel):
    """The shape of ``POST /api/v1/reports/tip-offs``: the same fields and limits."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["miniprogram", "h5"]
    category: Literal["major_hazard", "general_hazard", "illegal_act", "concealed_accident"]
    facts: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
    enterprise_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")] | None = None
    enterprise_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{3})?$")]
    industry: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,32}$")] | None = None
    consent: Consent
    media: list[str] = Field(default_factory=list, max_length=9)


def database_url() -> str:
    return os.environ["BENCH_DATABASE_URL"]


def engine() -> AsyncEngine:
    """SQLite as Qingling runs it (one connection, WAL, synchronous=NORMAL, BEGIN IMMEDIATE), or
    PostgreSQL with asyncpg and a pool."""
    url = database_url()
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=10, max_overflow=10)
    created = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60, connect_args={"timeout": 30})

    @event.listens_for(created.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(created.sync_engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return created
