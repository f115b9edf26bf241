"""Bulk self-report write rate on PostgreSQL, against a bare baseline measured in the same run.

    python bench/bulk_self_report.py [--batches 10]

Starts the distributed stack (PostgreSQL, nginx, each service under uvicorn), signs in as the
demo enterprise, and posts batches of 1,000 hazards through the gateway — each a whole request:
validation, idempotency claim, hazards + audit trail + outbox events in one transaction.
Baseline: the same number of rows of the same width inserted into a bare table of the same
PostgreSQL with asyncpg's executemany — no HTTP, no validation, no audit, no events. The ratio
says what the product's guarantees cost per hazard.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time

import asyncpg
import httpx

from identity.demo import DEMO_PASSWORD
from qlstack.stack import Stack

BATCH = 1000


def batch_body(marker: str) -> dict:
    item = {
        "description": "自查发现：作业现场安全防护不到位，需限期整改",
        "grade": "general",
        "tags": ["confined_space"],
        "found_at": "2024-09-02T08:00:00+08:00",
    }
    return {"items": [item | {"title": f"{marker}-{n:04d}"} for n in range(BATCH)]}


async def baseline(port: int, rows: int) -> float:
    """Rows per second for a bare multi-row insert of similar rows."""
    connection = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres", database="postgres")
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_row (id serial PRIMARY KEY, title text, description text,"
            " grade text, tags jsonb, details jsonb, found_at timestamptz)"
        )
        record = ("标题", "自查发现：作业现场安全防护不到位，需限期整改", "general", '["confined_space"]', "{}")
        values = [record] * BATCH
        started = time.perf_counter()
        for _ in range(rows // BATCH):
            async with connection.transaction():
                await connection.executemany(
                    "INSERT INTO bench_row (title, description, grade, tags, details, found_at)"
                    " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, now())",
                    values,
                )
        return rows / (time.perf_counter() - started)
    finally:
        await connection.execute("DROP TABLE IF EXISTS bench_row")
        await connection.close()


async def product(gateway: str, batches: int) -> float:
    """Hazards per second through the API."""
    async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
        form = {"grant_type": "password", "username": "demo-enterprise", "password": DEMO_PASSWORD}
        token = (await client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        await client.post(  # warm-up: connections, caches, JWKS
            "/api/v1/hazards/hazards/batch",
            json=batch_body("warm-up"),
            headers=headers | {"Idempotency-Key": secrets.token_urlsafe(16)},
        )
        started = time.perf_counter()
        for number in range(batches):
            response = await client.post(
                "/api/v1/hazards/hazards/batch",
                json=batch_body(f"bench-{number}"),
                headers=headers | {"Idempotency-Key": secrets.token_urlsafe(16)},
            )
            assert response.status_code == 201, response.text
        return batches * BATCH / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    with Stack() as stack:
        api_rate = asyncio.run(product(stack.gateway_url, args.batches))
        bare_rate = asyncio.run(baseline(stack.postgres.port, args.batches * BATCH))
    result = {
        "batches": args.batches,
        "batch_size": BATCH,
        "api_hazards_per_second": round(api_rate),
        "bare_insert_rows_per_second": round(bare_rate),
        "ratio_api_to_bare": round(api_rate / bare_rate, 3),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    stack.remove()


if __name__ == "__main__":
    main()
