"""The deadline machinery at provincial scale (issue 21 §3) on PostgreSQL, against bare baselines
measured in the same run.

    python bench/deadlines.py [--smoke | --full] [--hazards N] [--due N] [--workers 2] [--json] [--keep]

Sizes: 100,000 hazards and 2,000 due by default; ``--full`` the issue's 1,000,000 (5 million
planned reminders) and 10,000 due at once; ``--smoke`` 2,000 and 100.

Starts a throwaway PostgreSQL cluster (``--root``, ``--port``; removed afterwards unless
``--keep``), builds notify's schema with its own migrations and bootstrap (so the indexes and
the national ladders are the product's), and loads ``--hazards`` open hazards on the deadline
board of one province, each with five planned reminders (预警 15/7/3 日, 催办, 通报: 5 million for
a million hazards) due over the coming year. Then:

1. **Finding due work:** the sweep's own claim (``reminders.service.due_reminders``: the next 200
   pending reminders due, ``FOR UPDATE SKIP LOCKED``) when nothing is due and when a backlog is,
   median of ``--runs``; baseline: the first 200 rows by primary key.
2. **A wave:** ``--due`` reminders fall due at once (the 预警 of as many hazards of 100
   enterprises, each subscribed with a webhook to a receiver on 127.0.0.1); ``--workers`` notify
   worker processes (``qingling worker notify``, as deployed) send them: the time until every one
   is sent and every webhook received, the lag from due to sent, and that none went twice (one
   delivery per reminder and recipient, one webhook per id). Baseline: one bare UPDATE marking
   the same rows sent.

Not part of CI. ``--json`` prints the figures as a list for ``bench/run.py``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ROOT / "bench" / "baselines"
sys.path[:0] = [str(ROOT / "services" / "notify"), str(ROOT / "libs"), str(ROOT / "stack"), str(ROOT / "bench")]

from _support import Figure, arguments, report, say  # noqa: E402

from notify.main import service as notify_service  # noqa: E402
from notify.reminders.service import due_reminders  # noqa: E402
from notify.webhooks import service as webhooks  # noqa: E402
from notify.webhooks.schemas import EndpointWrite  # noqa: E402
from qingling.auth.principal import Principal  # noqa: E402
from qingling.auth.roles import Role  # noqa: E402
from qingling.migrations import prepare_database  # noqa: E402
from qingling.runtime import open_runtime  # noqa: E402
from qlstack.postgres import PostgresCluster  # noqa: E402
from qlstack.stack import free_port  # noqa: E402

ENTERPRISES = 1000  # the board's enterprises; the wave's hazards belong to the first 100
STEPS = (("warn_15", "预警", -15), ("warn_7", "预警", -7), ("warn_3", "预警", -3), ("urge", "催办", 1),
         ("bulletin", "通报", 5))  # fmt: skip
BOARD = """
INSERT INTO tracked_deadline (item_type, item_id, title, state, grade, region_code, enterprise_code,
    lister_region_code, supervising_region_code, supervising_kind, deadline_at, deadline_provisional,
    step, step_due_at, production_suspended, closed, version, last_event_at, updated_at)
SELECT 'hazard', g, '基准测试隐患 ' || g, 'rectifying', CASE WHEN g % 20 = 0 THEN 'major' ELSE 'general' END,
    '33' || lpad((g % 11 + 1)::text, 2, '0') || lpad(((g / 11) % 8 + 1)::text, 2, '0'),
    'BENCH' || lpad((g % :enterprises)::text, 13, '0'), '330521', '330521', 'emergency',
    date_trunc('day', CAST(:now AS timestamptz) + (16 + g % 350) * interval '1 day')
        + interval '15 hours 59 minutes 59 seconds',
    false, NULL, NULL, false, false, 1, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
FROM generate_series(1, :n) g
"""
REMINDERS = """
INSERT INTO reminder (item_type, item_id, step, title, deadline_at, due_at, audience, template, plan_id, state,
    provisional)
SELECT 'hazard', t.item_id, s.key, s.title, t.deadline_at, t.deadline_at + s.offset_days * interval '1 day' + interval
    '17 hours 1 second', '["enterprise", "supervising"]', 'hazard.warning', :plan, 'pending', false
FROM tracked_deadline t CROSS JOIN (VALUES {steps}) AS s(key, title, offset_days)
"""


class Receiver:
    """The webhook receiver (``bench/baselines/receiver.py``) in a process of its own: it accepts
    everything, keeps connections open (HTTP/1.1) as a real receiver behind a proxy does, and
    counts what arrives by webhook-id."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "uvicorn", "receiver:app", "--app-dir", str(BASELINES), "--host",
                   "127.0.0.1", "--port", str(self.port), "--lifespan", "off", "--no-access-log", "--log-level",
                   "warning"]  # fmt: skip
        with open(logs / "receiver.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                self.arrivals()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def arrivals(self) -> dict:
        """``count``, ``unique`` ids and the ``latest`` arrival's time (``time.time()``)."""
        return httpx.get(f"{self.url}/arrivals", timeout=10).json()

    def forget(self) -> None:
        httpx.delete(f"{self.url}/arrivals", timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _env(url: str, root: Path) -> dict[str, str]:
    return {
        "QL_NOTIFY_ENVIRONMENT": "test", "QL_NOTIFY_DATABASE_URL": url, "QL_NOTIFY_DATA_DIR": str(root / "service"),
        "QL_NOTIFY_PEER_URL": "http://127.0.0.1:9", "QL_NOTIFY_LOAD_DEMO_DATA": "false",
        "QL_NOTIFY_MIGRATE_ON_START": "false", "QL_NOTIFY_SWEEP_INTERVAL_SECONDS": "1",
        "QL_NOTIFY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "QL_NOTIFY_LOG_FORMAT": "json",
        "QL_NOTIFY_LOG_LEVEL": "warning",
    }  # fmt: skip


async def load(hazards: int, receiver_url: str) -> None:
    # Five million rows in one statement take longer than a request may (the 30 s statement timeout).
    settings = notify_service.settings_class(database_statement_timeout_seconds=0)
    async with open_runtime(notify_service, settings) as runtime:
        await prepare_database(runtime)
        now = datetime.now(UTC)
        async with runtime.unit_of_work() as session:
            plan = (await session.execute(text(
                "SELECT id FROM reminder_plan WHERE item_type = 'hazard' AND grade = 'major' AND region_code = ''"
                " ORDER BY version DESC LIMIT 1"))).scalar_one()  # fmt: skip
            started = time.perf_counter()
            params = {"n": hazards, "now": now, "enterprises": ENTERPRISES}
            await session.execute(text(BOARD), params)
            steps = ", ".join(f"('{key}', '{title}', {offset})" for key, title, offset in STEPS)
            await session.execute(text(REMINDERS.format(steps=steps)), {"plan": plan})
            for number in range(100):  # the wave's enterprises, each with a subscribed system
                caller = Principal(subject=f"account:bench{number}", roles=frozenset({Role.ENTERPRISE_ADMIN}),
                                   enterprise_code=f"BENCH{number:013d}")  # fmt: skip
                body = EndpointWrite(url=receiver_url, event_types=["reminder.sent"])
                await webhooks.create(session, runtime, caller, body, now)
        async with runtime.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("tracked_deadline", "reminder"):
                await connection.execute(text(f"VACUUM ANALYZE {table}"))
        say(f"loaded {hazards:,} hazards and {hazards * len(STEPS):,} reminders in "
            f"{time.perf_counter() - started:.0f} s")  # fmt: skip


async def _median_ms(session: AsyncSession, statement, runs: int) -> float:
    times = []
    for _ in range(runs + 1):  # the first is a warm-up
        started = time.perf_counter()
        await session.execute(statement)
        times.append((time.perf_counter() - started) * 1000)
        await session.rollback()
    return statistics.median(times[1:])


async def claim_times(runs: int) -> tuple[float, float]:
    """The sweep's claim (nothing due now) and the bare baseline, in ms."""
    settings = notify_service.settings_class()
    async with open_runtime(notify_service, settings) as runtime, AsyncSession(runtime.engine) as session:
        claim = await _median_ms(session, due_reminders(datetime.now(UTC)), runs)
        bare = await _median_ms(session, text("SELECT id FROM reminder ORDER BY id LIMIT 200"), runs)
    return claim, bare


async def make_wave(due: int, offset: int = 0) -> list[int]:
    """``due`` 预警 of 100 enterprises' hazards (from the ``offset``-th) fall due now."""
    settings = notify_service.settings_class()
    async with open_runtime(notify_service, settings) as runtime, runtime.unit_of_work() as session:
        now = datetime.now(UTC)
        ids = list((await session.execute(text(
            "SELECT r.id FROM reminder r JOIN tracked_deadline t ON t.item_id = r.item_id AND t.item_type = 'hazard'"
            " WHERE r.step = 'warn_3' AND t.item_id % :enterprises - :offset BETWEEN 0 AND 99"
            " ORDER BY r.id LIMIT :due"),
            {"enterprises": ENTERPRISES, "due": due, "offset": offset})).scalars())  # fmt: skip
        await session.execute(text("UPDATE reminder SET due_at = :now WHERE id = ANY(:ids)"), {"now": now, "ids": ids})
    return ids


async def wave_outcome(ids: list[int]) -> dict:
    settings = notify_service.settings_class()
    async with open_runtime(notify_service, settings) as runtime, AsyncSession(runtime.engine) as session:
        row = (await session.execute(text(
            "SELECT count(*) FILTER (WHERE state = 'sent'), max(sent_at - due_at), max(sent_at) - min(due_at)"
            " FROM reminder WHERE id = ANY(:ids)"),
            {"ids": ids})).one()  # fmt: skip
        twice = (await session.execute(text(
            "SELECT count(*) FROM (SELECT cause, recipient FROM delivery WHERE channel = 'inbox'"
            " GROUP BY cause, recipient HAVING count(*) > 1) d"))).scalar_one()  # fmt: skip
        bare = await _median_ms(session, text("UPDATE reminder SET sent_at = now() WHERE id = ANY(:ids)")
                                .bindparams(ids=ids), 3)  # fmt: skip
    return {"sent": row[0], "lag": row[1].total_seconds() if row[1] else None,
            "all_sent": row[2].total_seconds() if row[2] else None, "twice": twice, "bare_ms": bare}  # fmt: skip


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, help="open hazards on the board (5 planned reminders each)")
    parser.add_argument("--due", type=int, help="reminders falling due at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=None, help="PostgreSQL's port (default: a free one)")
    parser.add_argument("--root", type=Path, default=None, help="the cluster's directory (default: a new one)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the wave")
    parser.add_argument("--keep", action="store_true", help="keep the cluster (stopped) afterwards")
    args = parser.parse_args()
    size = "smoke" if args.smoke else "full" if args.full else "default"
    args.hazards = args.hazards or {"smoke": 2_000, "default": 100_000, "full": 1_000_000}[size]
    args.due = args.due or {"smoke": 100, "default": 2_000, "full": 10_000}[size]
    if args.root is None:
        scratch = Path(tempfile.mkdtemp(prefix="qingling-deadlines-"))
        scratch.chmod(0o755)  # the postgres user must reach its data directory inside
        args.root = scratch / "pg"
    args.port = args.port or free_port()
    if args.root.exists():
        sys.exit(f"{args.root} exists: remove it or name another --root")
    cluster = PostgresCluster(args.root, args.port)
    cluster.start()
    logs = args.root.with_name(f"{args.root.name}-logs")  # beside the cluster, whose directory initdb makes
    logs.mkdir(exist_ok=True)
    receiver = Receiver(logs)
    workers: list[subprocess.Popen] = []
    try:
        url = cluster.create_database("notify", "notify")
        env = _env(url, args.root)
        os.environ.update(env)
        asyncio.run(load(args.hazards, f"{receiver.url}/hooks"))
        claim_ms, bare_claim_ms = asyncio.run(claim_times(args.runs))
        for number in range(args.workers):  # running already, as deployed: a warm-up reminder shows they are
            with open(logs / f"worker-{number}.log", "ab") as log:
                workers.append(subprocess.Popen([sys.executable, "-m", "qlstack.cli", "worker", "notify"],
                                                env={**os.environ, **env}, stdout=log, stderr=log))  # fmt: skip
        warm_up = asyncio.run(make_wave(1, offset=ENTERPRISES // 2))
        while asyncio.run(wave_outcome(warm_up))["sent"] < 1:
            time.sleep(0.2)
        receiver.forget()
        started, started_at = time.perf_counter(), time.time()  # the wave falls due as it commits, after this
        ids = asyncio.run(make_wave(args.due))
        while time.perf_counter() - started < args.timeout and (arrived := receiver.arrivals())["unique"] < len(ids):
            time.sleep(0.5)
        received_s = arrived["latest"] - started_at if arrived["unique"] >= len(ids) else None
        say(f"webhooks: {arrived['count']} arrived, {arrived['unique']} ids")
        outcome = asyncio.run(wave_outcome(ids))
        sent_s = outcome["all_sent"] if outcome["sent"] == len(ids) else None
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        receiver.stop()
        cluster.stop()
        if not args.keep:
            shutil.rmtree(args.root.parent if args.root.parent.name.startswith("qingling-deadlines-") else args.root,
                          ignore_errors=True)  # fmt: skip
    arrivals, ids_seen = arrived["count"], arrived["unique"]
    twice = outcome["twice"] + arrivals - ids_seen
    waited = round(time.perf_counter() - started, 1)
    claim = Figure(f"claim the next due batch ({args.hazards * len(STEPS):,} planned)", round(claim_ms, 2), "ms",
                   p50_ms=round(claim_ms, 2), floor=5.0, met=claim_ms <= 5)  # fmt: skip
    bare = Figure(
        "bare: first 200 reminders by primary key", round(bare_claim_ms, 2), "ms", p50_ms=round(bare_claim_ms, 2)
    )
    claim.baseline, claim.ratio = bare.name, round(claim_ms / bare_claim_ms, 2)
    all_sent = Figure(
        f"{len(ids):,} due at once, all sent by {args.workers} workers" + ("" if sent_s else " (not all: waited)"),
        round(sent_s or waited, 1), "s", floor="≤ 10 s", met=bool(sent_s and sent_s <= 10),
        extra={"sent": outcome["sent"], "bare_update_s": round(outcome["bare_ms"] / 1000, 3)},
    )  # fmt: skip
    received = Figure(
        f"{len(ids):,} webhooks received" + ("" if received_s else f" (only {ids_seen:,}: waited)"),
        round(received_s or waited, 1), "s", floor="≤ 10 s", met=bool(received_s and received_s <= 10),
    )  # fmt: skip
    lag = Figure("lag from due to sent (max)", round(outcome["lag"] or waited, 1), "s", floor="≤ 60 s",
                 met=outcome["lag"] is not None and outcome["lag"] <= 60)  # fmt: skip
    duplicates = Figure("sent twice (deliveries, webhook ids)", twice, "messages", floor="0", met=twice == 0)
    report([claim, bare, all_sent, received, lag, duplicates], args.json)


if __name__ == "__main__":
    main()
