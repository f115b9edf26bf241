"""Every benchmark under bench/ in one command, one table and one results file.

    ./ql bench                      # or: python bench/run.py — small, bounded sizes
    ./ql bench --full               # the sizes of issue 21 (takes long: a million hazards …)
    ./ql bench --smoke              # tiny: only shows each script still works
    ./ql bench --only intake,bulk_self_report

Runs each ``bench/<name>.py`` (a name starting with ``_`` is a helper) as its own process with
``--json`` and the size flag, one after another — they would otherwise share the two cores and
measure each other. Load goes to 127.0.0.1 only: each script starts what it measures (the
embedded process, the process stack, a throwaway PostgreSQL) on loopback ports and stops it.
Each script is bounded in time (``--timeout``); one that fails or runs over is reported as such
and the others still run.

Prints one table — each figure with its value, p50/p99 where they apply, the bare baseline
measured in the same run, the ratio, the floor and whether it is met — and writes it with the
date, the machine (and its load before and after), the commit and each script's own output to
``bench/results/<date>.json`` (``-2``, ``-3`` … when that day has one). The contract with the
scripts is in ``bench/_support.py``. Exit status 1 when a script failed (``--strict``: also when
a floor is not met).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]
from _support import REPO, SHANGHAI, machine, now_text, table  # noqa: E402

BENCH = REPO / "bench"
RESULTS = BENCH / "results"
ORDER = ("intake", "bulk_self_report", "deadlines", "figures")  # the order; others after, by name
TIMEOUTS = {"smoke": 180.0, "default": 1800.0, "full": 4 * 3600.0}  # seconds per script
REQUIRED = {"name": str, "value": (int, float), "unit": str}


@dataclass
class ScriptRun:
    name: str
    status: str = "not run"  # ok | failed | timed out | skipped
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None
    stderr_tail: list[str] = field(default_factory=list)


def scripts(only: set[str] | None, skip: set[str]) -> list[Path]:
    found = {path.stem: path for path in BENCH.glob("*.py") if not path.stem.startswith("_") and path.stem != "run"}
    if only and (unknown := only - set(found)):
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(sorted(found))})")
    names = [n for n in ORDER if n in found] + sorted(set(found) - set(ORDER))
    return [found[n] for n in names if (not only or n in only) and n not in skip]


def flags_of(script: Path) -> set[str]:
    """The size flags a script takes (``--smoke``, ``--full``), from its ``--help``."""
    try:
        shown = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120, cwd=REPO
        ).stdout
    except subprocess.TimeoutExpired:
        return set()
    return {flag for flag in ("--smoke", "--full", "--json") if flag in shown}


def run_script(script: Path, size: str, timeout: float, quiet: bool) -> ScriptRun:
    run = ScriptRun(script.stem)
    supported = flags_of(script)
    if "--json" not in supported:
        run.status, run.note = "skipped", "takes no --json (see bench/_support.py for the contract)"
        return run
    command = [sys.executable, str(script), "--json"]
    if size == "smoke":
        if "--smoke" not in supported:
            run.status, run.note = "skipped", "takes no --smoke"
            return run
        command.append("--smoke")
    elif size == "full":
        if "--full" in supported:
            command.append("--full")
        else:
            run.note = "takes no --full: ran at its own sizes"
    run.command = [Path(part).name if part == sys.executable else part for part in command]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    tail: deque[str] = deque(maxlen=40)

    def relay_stderr() -> None:  # the script's progress, as it comes, and its last lines for the record
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line.rstrip("\n"))
            if not quiet:
                print(f"[{script.stem}] {line}", end="", file=sys.stderr, flush=True)

    # Both pipes read by threads of their own (``communicate`` would read stderr too, racing the
    # relay for its lines and closing the pipe under it).
    output: list[str] = []
    readers = [
        threading.Thread(target=relay_stderr, daemon=True),
        threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        run.status, run.note = "timed out", f"stopped after {timeout:.0f} s"
    for reader in readers:
        reader.join(timeout=5)
    stdout = "".join(output) if run.status != "timed out" else ""
    run.seconds = round(time.monotonic() - started, 1)
    run.stderr_tail = list(tail)
    if run.status == "timed out":
        return run
    if process.returncode != 0:
        run.status, run.note = "failed", f"exit status {process.returncode}"
        return run
    try:
        run.figures = checked(json.loads(stdout))
    except ValueError as exc:
        run.status, run.note = "failed", f"its --json output does not keep the contract: {exc}"
        return run
    run.status = "ok"
    return run


def checked(figures: Any) -> list[dict[str, Any]]:
    if not isinstance(figures, list):
        raise ValueError("not a JSON list")
    for figure in figures:
        if not isinstance(figure, dict):
            raise ValueError(f"not an object: {figure!r}")
        for key, kind in REQUIRED.items():
            if not isinstance(figure.get(key), kind):
                raise ValueError(f"{figure.get('name', figure)!r} has no {key}")
        for key in ("p50_ms", "p99_ms", "baseline", "ratio", "floor", "met"):
            figure.setdefault(key, None)
    return figures


def _stop(process: subprocess.Popen) -> None:
    """Stops the script and what it started (its own process group: it was started in a new session)."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _git() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD") or None, "changed_files": len(git("status", "--porcelain").splitlines())}


def results_path(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    today = datetime.now(SHANGHAI).date().isoformat()  # the day in Beijing, as the figures are dated
    path, number = directory / f"{today}.json", 1
    while path.exists():
        number += 1
        path = directory / f"{today}-{number}.json"
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="tiny sizes: only shows each script works")
    size.add_argument("--full", action="store_true", help="the sizes of issue 21 (long)")
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--timeout", type=float, help="seconds per benchmark (default: 180 smoke, 1800, 14400 full)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="directory of the results file")
    parser.add_argument("--no-save", action="store_true", help="print only; write no results file")
    parser.add_argument("--quiet", action="store_true", help="do not relay the scripts' progress")
    parser.add_argument("--strict", action="store_true", help="exit status 1 also when a floor is not met")
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "full" if args.full else "default"
    timeout = args.timeout or TIMEOUTS[mode]
    only = {name.strip() for name in args.only.split(",") if name.strip()} if args.only else None
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}

    started_at, before = now_text(), machine()
    runs = []
    for script in scripts(only, skip):
        if not args.quiet:
            print(f"== {script.stem} ({mode}) ==", file=sys.stderr, flush=True)
        runs.append(run_script(script, mode, timeout, args.quiet))
    after = machine()

    rows = [{"script": run.name, **figure} for run in runs for figure in run.figures]
    print(f"Qingling benchmarks — {started_at} — {before['cpus']} CPU {before['cpu_model'] or ''} — {mode} sizes")
    print(table(rows, script_column=True) if rows else "(no figures)")
    for run in runs:
        if run.status != "ok" or run.note:
            print(f"  {run.name}: {run.status}{' — ' + run.note if run.note else ''}")
        if run.status in ("failed", "timed out"):
            print("    " + "\n    ".join(run.stderr_tail[-12:]))
    judged = [row for row in rows if row.get("met") is not None]
    missed = [row for row in judged if not row["met"]]
    unjudged = len(rows) - len(judged)
    print(f"floors: {len(judged) - len(missed)} met, {len(missed)} not met, {unjudged} figures without a verdict")

    if not args.no_save:
        path = results_path(args.results)
        record = {
            "started_at": started_at,
            "finished_at": now_text(),
            "mode": mode,
            "machine": before | {"load_average_after": after["load_average"]},
            "git": _git(),
            "command": ["bench/run.py", *(argv if argv is not None else sys.argv[1:])],
            "scripts": [asdict(run) for run in runs],
            "figures": rows,
        }
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        print(f"written: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    failed = any(run.status in ("failed", "timed out") for run in runs)
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
