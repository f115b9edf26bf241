"""Bulk self-report: hazards per second through the gateway on PostgreSQL with the full write
path, against a bare bulk insert of the same rows measured in the same run.

    python bench/bulk_self_report.py [--smoke | --full] [--batches N] [--clients N] [--json]

Starts the distributed stack (PostgreSQL, nginx, each service under uvicorn with its worker, one
replica), signs in as the demo enterprise and posts 1,000-hazard batches
(``POST /api/v1/hazards/hazards/batch``) from ``--clients`` connections at once, each a whole
request: validation, the Idempotency-Key claim, the hazards with the first entry of each audit
trail (hash chain), their first versions for the figures and a ``hazard.changed`` event each for
notify, in one transaction. One warm-up batch per client first. Figures:

- **hazards/s** over the timed batches, p50/p99 of one batch request; floor ≥ 10,000 (issue 21);
- **bare bulk insert of the same rows**: the rows the timed batches wrote (hazard, audit entry,
  version, outbox event), read back and written again with asyncpg's COPY — the fastest honest
  way to do the same writes — into copies of the four tables with the same indexes, one
  transaction per 1,000, from as many connections; the ratio says what the request, its checks
  and the building of the rows cost on top;
- **hazard.changed delivered to notify**, events per second from the first batch until the
  hazards service's outbox is empty (every event taken by notify: its deadline board and
  reminders) — what the rest of the system does with the batches; bounded by ``--drain-timeout``.

Where the CPU went (each service's API and worker, PostgreSQL, nginx, this client) is printed
per 1,000 hazards, and kept with the figure (``cpu_ms_per_1000``). ``--smoke`` runs the embedded
system in this process on SQLite with 2 batches of 20 (its numbers mean nothing). Not part of CI.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path[:0] = [str(Path(__file__).resolve().parent)]
from _support import CpuMeter, Figure, arguments, children_of, report, say, settle  # noqa: E402

BATCH = 1000
FLOOR = 10_000.0  # hazards/s on PostgreSQL, issue 21
TABLES = ("hazard", "hazard_audit", "hazard_version", "outbox_message")
BATCH_PATH = "/api/v1/hazards/hazards/batch"


def batch_body(marker: str, size: int = BATCH) -> dict:
    item = {
        "description": "自查发现：作业现场安全防护不到位，需限期整改",
        "grade": "general",
        "tags": ["confined_space"],
        "found_at": "2024-09-02T08:00:00+08:00",
    }
    return {"items": [item | {"title": f"{marker}-{n:04d}"} for n in range(size)]}


@dataclass
class Posted:
    hazards: int
    seconds: float
    latencies_ms: list[float]
    batch_size: int = BATCH
    began: float = 0.0  # time.monotonic() before the first request (the warm-up)

    @property
    def rate(self) -> float:
        return self.hazards / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


async def post_batches(
    client: httpx.AsyncClient, batches: int, clients: int, size: int, meter: CpuMeter | None = None
) -> Posted:
    """``batches`` batches of ``size`` from ``clients`` connections at once, after one warm-up
    batch each. Bodies are encoded before the clock starts: the client's own JSON work is not timed."""
    from identity.demo import DEMO_PASSWORD

    form = {"grant_type": "password", "username": "demo-enterprise", "password": DEMO_PASSWORD}
    signed_in = await client.post("/api/v1/identity/oauth/token", data=form)
    signed_in.raise_for_status()
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}", "Content-Type": "application/json"}
    run = secrets.token_hex(3)

    def body(marker: str) -> bytes:
        return json.dumps(batch_body(marker, size), ensure_ascii=False).encode()

    async def send(content: bytes) -> float:
        started = time.perf_counter()
        response = await client.post(
            BATCH_PATH, content=content, headers=headers | {"Idempotency-Key": secrets.token_urlsafe(16)}
        )
        if response.status_code != 201:
            raise RuntimeError(f"batch refused: {response.status_code} {response.text[:500]}")
        return (time.perf_counter() - started) * 1000

    began = time.monotonic()
    await asyncio.gather(*(send(body(f"warm-{run}-{n}")) for n in range(clients)))
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for number in range(batches):
        queue.put_nowait(body(f"bench-{run}-{number}"))
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            latencies.append(await send(queue.get_nowait()))

    if meter is not None:
        meter.start()
    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.monotonic() - started
    if meter is not None:
        meter.stop()
    return Posted(batches * size, elapsed, latencies, size, began)


class Outbox:
    """The hazards service's outbox, read directly: how many events it holds, how many wait."""

    QUERY = text("SELECT count(*), count(*) FILTER (WHERE state = 'pending') FROM outbox_message")

    def __init__(self, database_url: str) -> None:
        self.engine = create_async_engine(database_url)

    async def counts(self) -> tuple[int, int]:
        async with self.engine.connect() as connection:
            total, pending = (await connection.execute(self.QUERY)).one()
        return total, pending

    async def drained(self, before: int, since: float, patience: float) -> tuple[int, float, bool]:
        """Waits until nothing is pending; returns the events written since ``before`` (a count)
        that were delivered, the seconds from ``since`` and whether it emptied within ``patience`` seconds."""
        deadline = time.monotonic() + patience
        try:
            while True:
                total, pending = await self.counts()
                if not pending or time.monotonic() > deadline:
                    return total - before - pending, time.monotonic() - since, not pending
                await asyncio.sleep(0.2)
        finally:
            await self.engine.dispose()


# ------------------------------------------------------------------------------- the baseline


async def baseline_postgres(dsn: str, batches: int, clients: int, size: int) -> Posted:
    """The rows of the last ``batches × size`` hazards, written again with COPY into copies of
    their tables (same columns, indexes and defaults), one transaction per ``size`` hazards."""
    import asyncpg

    connections = [await asyncpg.connect(dsn) for _ in range(clients)]
    first = connections[0]
    try:
        for table in TABLES:
            await first.execute(f"DROP TABLE IF EXISTS bench_{table}")
            await first.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
        newest = await first.fetchval("SELECT max(id) FROM hazard")
        oldest = newest - batches * size + 1
        hazards = await first.fetch("SELECT * FROM hazard WHERE id >= $1 ORDER BY id", oldest)
        audit = await first.fetch("SELECT * FROM hazard_audit WHERE subject_id >= $1 ORDER BY subject_id", oldest)
        versions = await first.fetch("SELECT * FROM hazard_version WHERE item_id >= $1 ORDER BY item_id", oldest)
        events = await first.fetch(
            "SELECT * FROM outbox_message WHERE subject = ANY($1::text[])", [f"hazard/{r['id']}" for r in hazards]
        )
        read = dict(zip(TABLES, (hazards, audit, versions, events), strict=True))
        columns = {table: list(rows[0].keys()) for table, rows in read.items()}
        work = []
        for number in range(batches):  # each batch its own rows, ids and keys (the indexes are unique)
            part = slice(number * size, (number + 1) * size)
            work.append({
                "hazard": [tuple(r.values()) for r in hazards[part]],
                "hazard_audit": [tuple(r.values()) for r in audit[part]],
                "hazard_version": [tuple(r.values()) for r in versions[part]],
                "outbox_message": [tuple(uuid.uuid4() if k == "id" else v for k, v in r.items()) for r in events[part]],
            })  # fmt: skip
        queue: asyncio.Queue[dict] = asyncio.Queue()
        for rows in work:
            queue.put_nowait(rows)
        latencies: list[float] = []

        async def worker(connection) -> None:
            while not queue.empty():
                rows = queue.get_nowait()
                started = time.perf_counter()
                async with connection.transaction():
                    for table in TABLES:
                        await connection.copy_records_to_table(
                            f"bench_{table}", records=rows[table], columns=columns[table]
                        )
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(worker(connection) for connection in connections))
        return Posted(batches * size, time.monotonic() - started, latencies)
    finally:
        for table in TABLES:
            await first.execute(f"DROP TABLE IF EXISTS bench_{table}")
        for connection in connections:
            await connection.close()


def baseline_sqlite(path: Path, batches: int, size: int) -> Posted:
    """The same on SQLite (smoke runs): executemany into copies of the tables, WAL, one writer."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        for table in TABLES:
            db.execute(f"DROP TABLE IF EXISTS bench_{table}")
            db.execute(f"CREATE TABLE bench_{table} AS SELECT * FROM {table} WHERE 0")
        rows = {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid DESC LIMIT ?", (size,)).fetchall()
                for table in TABLES}  # fmt: skip
        latencies = []
        started = time.monotonic()
        for _ in range(batches):
            began = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            for table in TABLES:
                if rows[table]:
                    marks = ", ".join("?" * len(rows[table][0]))
                    db.executemany(f"INSERT INTO bench_{table} VALUES ({marks})", rows[table])
            db.execute("COMMIT")
            latencies.append((time.perf_counter() - began) * 1000)
        return Posted(batches * size, time.monotonic() - started, latencies)
    finally:
        for table in TABLES:
            db.execute(f"DROP TABLE IF EXISTS bench_{table}")
        db.close()


# ----------------------------------------------------------------------------------- figures


def figures(posted: Posted, bare: Posted, drained: tuple[int, float, bool], *, where: str, how: str,
            cpu: dict | None, judged: bool) -> list[Figure]:  # fmt: skip
    base = Figure(
        f"bare insert of the same rows into the 4 tables ({how})",
        round(bare.rate),
        "hazards/s",
        round(bare.percentile(50), 1),
        round(bare.percentile(99), 1),
    )
    product = Figure(
        f"bulk self-report, {posted.batch_size:,} per request, {where}",
        round(posted.rate),
        "hazards/s",
        round(posted.percentile(50), 1),
        round(posted.percentile(99), 1),
        floor=FLOOR,
        met=(posted.rate >= FLOOR) if judged else None,
    )
    if cpu:
        product.extra["cpu_ms_per_1000"] = cpu
    against = Figure("bulk self-report vs the bare insert of its rows", product.value, "hazards/s").against(base)
    events, seconds, complete = drained
    delivery = Figure(
        "hazard.changed delivered to notify (board, reminders), from the first batch",
        round(events / seconds, 1) if seconds else 0.0,
        "events/s",
    )
    delivery.extra["events"] = events
    delivery.extra["drained"] = complete
    if not complete:
        delivery.extra["note"] = f"outbox not empty after {seconds:.0f} s: the rate of what was delivered by then"
    return [product, base, against, delivery]


def _cpu_table(posting: dict[str, float], draining: dict[str, float], hazards: int) -> dict[str, dict[str, float]]:
    """CPU per 1,000 hazards of each group of processes while the timed batches were posted, and
    after them until notify had taken every event (the relay and notify also work meanwhile)."""
    per = {
        name: {"posting": round(posting.get(name, 0.0) * 1e6 / hazards, 1),
               "draining": round(draining.get(name, 0.0) * 1e6 / hazards, 1)}
        for name in posting.keys() | draining.keys()
    }  # fmt: skip
    say("CPU per 1,000 hazards (ms)      posting  draining")
    for name, ms in sorted(per.items(), key=lambda item: -sum(item[1].values())):
        if sum(ms.values()) >= 0.5:
            say(f"  {name:<28}{ms['posting']:>9.1f}{ms['draining']:>10.1f}")
    return per


async def run_stack(batches: int, clients: int, drain_timeout: float, keep: bool = False) -> list[Figure]:
    from qlstack.stack import Stack

    stack = Stack()
    with stack:
        groups: dict[str, list[int]] = defaultdict(list)
        for label, process in stack.processes:  # hazards-api-0 → hazards-api
            groups[label.rsplit("-", 1)[0] if "-api-" in label else label].append(process.pid)
        pids = {name: (lambda found=tuple(found): list(found)) for name, found in groups.items()}
        postmaster = int((stack.postgres.datadir / "postmaster.pid").read_text().split()[0])
        pids["postgresql"] = lambda: [postmaster, *children_of(postmaster)]
        if (nginx_pid := stack.root / "nginx" / "nginx.pid").exists():
            master = int(nginx_pid.read_text().split()[0])
            pids["nginx"] = lambda: [master, *children_of(master)]
        pids["bench client"] = lambda: [os.getpid()]
        meter = CpuMeter(pids)
        settle([pid for group in groups.values() for pid in group])  # the workers start after the APIs
        hazards_url = stack.env["hazards"]["QL_HAZARDS_DATABASE_URL"]
        outbox = Outbox(hazards_url)
        before, _ = await outbox.counts()
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=300) as client:
            say(f"posting {batches} batches of {BATCH} from {clients} connections through {stack.gateway_url} …")
            posted = await post_batches(client, batches, clients, BATCH, meter)
            posting = meter.used
            say(f"  {posted.rate:,.0f} hazards/s; waiting for notify to take every event …")
            meter.start()
            drained = await outbox.drained(before, posted.began, drain_timeout)
            cpu = _cpu_table(posting, meter.stop(), posted.hazards)
        say("bare bulk insert of the same rows …")
        dsn = hazards_url.replace("postgresql+asyncpg://", "postgresql://")
        bare = await baseline_postgres(dsn, batches, clients, BATCH)
    if keep:
        say(f"kept {stack.root} (logs, databases)")
    else:
        stack.remove()
    where, how = "gateway, PostgreSQL", "PostgreSQL, COPY"
    return figures(posted, bare, drained, where=where, how=how, cpu=cpu, judged=True)


async def run_smoke() -> list[Figure]:
    from qingling.settings import Environment
    from qlstack.embedded import build_embedded

    batches, size = 2, 20
    with tempfile.TemporaryDirectory(prefix="qingling-bench-bulk-") as work:
        dispatcher = build_embedded(
            Path(work),
            environment=Environment.TEST,
            relay_interval_seconds=0.2,
            sweep_interval_seconds=0.2,
            log_level="WARNING",
        )
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(dispatcher.lifespan())
            transport = httpx.ASGITransport(app=dispatcher)
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://qingling.bench", timeout=120)
            )
            settings = dispatcher.apps["/api/v1/hazards"].state.settings
            outbox = Outbox(settings.database_url)
            before, _ = await outbox.counts()
            posted = await post_batches(client, batches, 1, size)
            drained = await outbox.drained(before, posted.began, 30)
        database = Path(settings.database_url.split("///", 1)[1])
        bare = baseline_sqlite(database, batches, size)
    where, how = "embedded, SQLite (smoke)", "SQLite, executemany"
    return figures(posted, bare, drained, where=where, how=how, cpu=None, judged=False)


def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, help="timed batches of 1,000 (default 8; --full 30)")
    parser.add_argument("--clients", type=int, default=2, help="connections posting at once (default 2)")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for notify")
    parser.add_argument("--keep", action="store_true", help="keep the stack's directory (logs, databases)")
    args = parser.parse_args()
    if args.smoke:
        rows = asyncio.run(run_smoke())
    else:
        batches = args.batches or (30 if args.full else 8)
        rows = asyncio.run(run_stack(batches, args.clients, args.drain_timeout, args.keep))
    report(rows, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
