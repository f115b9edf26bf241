"""Webhook messages made due at once, written straight into notify's database on PostgreSQL (the
process stack), as a burst of hazard changes would make them."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def insert_due_messages(database_url: str, endpoint_id: int, count: int) -> set[str]:
    """``count`` ``webhook.ping`` messages for the endpoint, due since a minute ago; their ids."""
    engine = create_async_engine(database_url)
    now = datetime.now(UTC) - timedelta(minutes=1)
    rows = [
        {"msg_id": f"msg_{uuid.uuid4().hex}", "endpoint_id": endpoint_id, "event_type": "webhook.ping",
         "payload": json.dumps({"type": "webhook.ping", "timestamp": now.isoformat(), "data": {"n": n}}),
         "state": "pending", "attempts": 0, "available_at": now, "created_at": now}
        for n in range(count)
    ]  # fmt: skip
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO webhook_message (msg_id, endpoint_id, event_type, payload, state, attempts,"
                " available_at, created_at) VALUES (:msg_id, :endpoint_id, :event_type, CAST(:payload AS JSON),"
                " :state, :attempts, :available_at, :created_at)"
            ),
            rows,
        )
    await engine.dispose()
    return {row["msg_id"] for row in rows}
