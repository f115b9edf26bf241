"""The embedded box's footprint (issue 21 §6, a guardrail): start-up time and memory.

    python bench/footprint.py [--smoke | --full] [--requests N] [--json]

Starts ``qingling run`` (the whole system in one process, demo data, SQLite) on a free port of
127.0.0.1 with a fresh data directory, and measures how long until every service answers
``/readyz`` (first start: migrations and demo data included) and its resident memory (VmRSS)
at rest and after ``--requests`` reads from 8 concurrent clients (2,000; ``--full`` 20,000;
``--smoke`` 100). Baseline: a bare
FastAPI app started the same way (uvicorn, one route), its start-up and RSS. Floors: start-up
≤ 10 s, RSS ≤ 400 MB under load.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "stack"), str(ROOT / "bench")]

from _support import Figure, arguments, report  # noqa: E402

from qlstack.stack import free_port  # noqa: E402

SERVICES = ("identity", "reports", "hazards", "notify")
BARE = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/readyz")
async def ready() -> dict:
    return {"ok": True}
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def started(command: list[str], ready: list[str], cwd: Path) -> tuple[subprocess.Popen, float]:
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pending = set(ready)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        for url in list(pending):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    return process, time.perf_counter() - began


async def load(base: str, requests: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        token = await client.post("/api/v1/identity/oauth/token", data={
            "grant_type": "password", "username": "deqing-yjj", "password": "Qingling@2026"})  # fmt: skip
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        paths = ["/api/v1/hazards/hazards", "/api/v1/reports/tip-offs", "/api/v1/notify/deadlines",
                 "/api/v1/hazards/enterprises", "/api/v1/notify/inbox"]  # fmt: skip

        async def client_loop(offset: int) -> None:
            for n in range(offset, requests, 8):
                response = await client.get(paths[n % len(paths)], headers=headers)
                response.raise_for_status()

        await asyncio.gather(*(client_loop(offset) for offset in range(8)))


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, help="reads under load")
    args = parser.parse_args()
    args.requests = args.requests or (100 if args.smoke else 20_000 if args.full else 2_000)
    work = Path(tempfile.mkdtemp(prefix="qingling-footprint-"))
    try:
        (work / "bare.py").write_text(BARE)
        port = free_port()
        bare, bare_start = started(
            [sys.executable, "-m", "uvicorn", "bare:app", "--port", str(port), "--log-level", "warning"],
            [f"http://127.0.0.1:{port}/readyz"], work,
        )  # fmt: skip
        bare_rss = rss_mb(bare.pid)
        bare.terminate()
        bare.wait(timeout=10)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "qlstack.cli", "run", "--data-dir", str(work / "data"), "--port", str(port)]
        box, start = started(command, [f"{base}/api/v1/{name}/readyz" for name in SERVICES], ROOT)
        try:
            at_rest = rss_mb(box.pid)
            asyncio.run(load(base, args.requests))
            loaded = rss_mb(box.pid)
        finally:
            box.terminate()
            box.wait(timeout=20)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bare_up = Figure("bare FastAPI app: start-up", round(bare_start, 2), "s")
    bare_memory = Figure("bare FastAPI app: RSS", round(bare_rss), "MB")
    up = Figure("embedded start-up (fresh data, demo)", round(start, 1), "s", floor="≤ 10 s", met=start <= 10)
    resting = Figure("embedded RSS at rest", round(at_rest), "MB")
    busy = Figure(f"embedded RSS after {args.requests:,} reads", round(loaded), "MB", floor="≤ 400 MB",
                  met=loaded <= 400)  # fmt: skip
    up.baseline, up.ratio = bare_up.name, round(start / bare_start, 1)
    for figure in (resting, busy):
        figure.baseline, figure.ratio = bare_memory.name, round(figure.value / bare_rss, 1)
    report([up, bare_up, resting, busy, bare_memory], args.json)


if __name__ == "__main__":
    main()
