"""Baseline 2: FastAPI validates a tip-off and writes the rows Qingling writes for one, in one
transaction, with SQLAlchemy Core — no ORM objects, nothing read back but the new id.

    BENCH_DATABASE_URL=sqlite+aiosqlite:///t.db uvicorn same_writes:app --app-dir bench/baselines

The rows, into the reports service's own tables (its metadata, so the same columns and indexes):
the client address's intake counter (upsert), the tip-off, the sealed reporter (AES-GCM), the
notice to the reporter, the first entry of its hash-chained trail and the head on the tip-off,
its first version for the figures, two outbox events to notify (tip_off.changed and
tip_off.reporter_notified) and the idempotency record holding the response. What Qingling also
does but writes nothing per tip-off — routing (cached), the calendar, the duplicate look-up —
is not here: that is the product's own cost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from common import TipOffBody, engine
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from reports.main import service

TABLES = service.metadata.tables
TIP_OFF, SEALED, MESSAGE = TABLES["tip_off"], TABLES["sealed_reporter"], TABLES["tip_off_message"]
AUDIT, VERSION, OUTBOX = TABLES["tip_off_audit"], TABLES["tip_off_version"], TABLES["outbox_message"]
IDEMPOTENCY, COUNTER = TABLES["idempotency_record"], TABLES["limit_counter"]
HASH_KEY, SEAL_KEY = os.urandom(32), AESGCM(os.urandom(32))
NOTICE = "您的举报已收到，我们将在 5 个工作日内决定是否受理。"

db = engine()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    async with db.begin() as connection:
        await connection.run_sync(service.metadata.create_all)
    yield
    await db.dispose()


app = FastAPI(lifespan=lifespan)


def _digest(value: object) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _upsert_counter(key: str, now: datetime):
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(COUNTER).values(
        key=key, count=1, window_started_at=now, window_ends_at=now + timedelta(hours=1)
    )
    return statement.on_conflict_do_update(index_elements=["key"], set_={"count": COUNTER.c.count + 1})


def _outbox_row(event: dict, tip_off_id: int, now: datetime) -> dict:
    return {
        "id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "event_type": event["type"],
        "subject": f"tip_off/{tip_off_id}",
        "destination": "notify",
        "payload": json.loads(json.dumps(event, default=str)),
        "request_id": None,
        "created_at": now,
        "available_at": now,
        "attempts": 0,
        "state": "pending",
    }


@app.post("/tip-offs", status_code=201)
async def submit(body: TipOffBody, request: Request, idempotency_key: str = Header()) -> JSONResponse:
    now = datetime.now(UTC)
    secret, code = secrets.token_hex(8), secrets.token_hex(5)
    address = hmac.new(HASH_KEY, (request.client.host if request.client else "").encode(), "sha256").hexdigest()
    async with db.begin() as connection:
        tip_off = {
            "receipt_code": code, "secret_hash": hmac.new(HASH_KEY, secret.encode(), "sha256").hexdigest(),
            "channel": body.channel, "category": body.category, "industry": body.industry or "industry_trade",
            "enterprise_code": body.enterprise_code, "region_code": body.region_code, "facts": body.facts,
            "state": "received", "step": "作出受理或不予受理决定", "step_due_at": now + timedelta(days=7),
            "co_handlers": [], "possible_duplicates": [], "details": {}, "received_at": now, "updated_at": now,
        }  # fmt: skip
        tip_off_id = (await connection.execute(insert(TIP_OFF).values(tip_off).returning(TIP_OFF.c.id))).scalar_one()
        nonce = os.urandom(12)
        sealed = SEAL_KEY.encrypt(
            nonce, json.dumps({"facts": body.facts}, ensure_ascii=False).encode(), b"%d" % tip_off_id
        )
        await connection.execute(insert(SEALED), {"tip_off_id": tip_off_id, "sealed": (nonce + sealed).hex()})
        message_id = (
            await connection.execute(
                insert(MESSAGE)
                .values(tip_off_id=tip_off_id, side="handler", kind="notice", text=NOTICE, at=now)
                .returning(MESSAGE.c.id)
            )
        ).scalar_one()
        payload = {"channel": body.channel, "category": body.category, "real_name": False, "media": 0}
        entry = {"subject_id": tip_off_id, "seq": 1, "action": "receive", "actor": "receipt-holder",
                 "actor_roles": [], "at": now, "reason": None, "payload": payload,
                 "payload_digest": _digest(payload), "prev_hash": "0" * 64}  # fmt: skip
        entry["hash"] = _digest({"entry": [tip_off_id, 1, "receive", "receipt-holder", [], now.isoformat(), None,
                                           entry["payload_digest"], entry["prev_hash"]]})  # fmt: skip
        await connection.execute(insert(AUDIT), entry)
        await connection.execute(
            update(TIP_OFF).where(TIP_OFF.c.id == tip_off_id).values(audit_seq=1, audit_head=entry["hash"])
        )
        copied = ("region_code", "industry", "category", "channel", "state", "received_at", "step_due_at", "updated_at")
        version = {key: tip_off[key] for key in copied}
        await connection.execute(
            insert(VERSION), {"item_id": tip_off_id, "valid_from": now, "valid_to": None, **version}
        )
        events = [
            {
                "type": "tip_off.reporter_notified",
                "data": {"tip_off_id": tip_off_id, "message_id": message_id, "text": NOTICE},
            },
            {"type": "tip_off.changed", "data": {"tip_off_id": tip_off_id, "seq": 1, "state": "received", **version}},
        ]
        await connection.execute(insert(OUTBOX), [_outbox_row(event, tip_off_id, now) for event in events])
        receipt = {"tip_off_id": tip_off_id, "receipt_code": code, "secret": secret, "state": "received",
                   "received_at": now.isoformat(), "decision_due_at": tip_off["step_due_at"].isoformat()}  # fmt: skip
        await connection.execute(
            insert(IDEMPOTENCY),
            {"owner": "public", "key": idempotency_key, "fingerprint": _digest(body.model_dump()), "created_at": now,
             "status_code": 201, "response_body": receipt},
        )  # fmt: skip
        # Last: every request from one address updates this row, whose lock lasts till the commit.
        await connection.execute(_upsert_counter(address, now))
    return JSONResponse(receipt, status_code=201)
