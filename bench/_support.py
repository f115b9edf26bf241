"""What the benchmarks share: the figure every script reports (the contract with ``bench/run.py``),
the flags each takes, the table they print, and where the CPU went.

A benchmark is a script ``bench/<name>.py`` (a name starting with ``_`` is a helper, not a
benchmark). Run alone it prints a table; with ``--json`` it prints on stdout only a JSON list of
figures — its progress and anything else go to stderr — each an object

    {name, value, unit, p50_ms, p99_ms, baseline, ratio, floor, met}

- ``value`` in ``unit`` (``hazards/s``, ``req/s``, ``ms`` …); ``p50_ms``/``p99_ms`` the latency of
  one request or operation where that applies, else null;
- ``baseline``: the bare baseline measured in the same run, as the name of another figure in the
  same list (whose ``value`` it is) or as a number in the same unit; null where there is none;
- ``ratio``: ``value`` ÷ the baseline's value;
- ``floor``: the issue's bound, or null — a number: on ``value`` when the unit is ``ms`` (a
  ceiling), else on ``ratio`` when the figure has a baseline, else on ``value`` (a minimum); or a
  text saying it (``"≥ 10000 hazards/s"``). Where that rule does not say it, ``floor_on`` does:
  ``"ratio"`` (at least that share of the baseline) or ``"value"`` (and ``floor_is`` ``"max"`` or
  ``"min"``);
- ``met``: whether this run meets the floor (decided by the script; null where there is none or
  where the run was too small to say).

More keys may follow (``note``, ``cpu_ms_per_unit`` …); the harness keeps them in the results file.

Sizes: with no size flag a script runs small and bounded (a minute or two); ``--full`` runs the
issue's sizes and topologies; ``--smoke`` runs tiny, only to show the script still works (its
numbers mean nothing), in seconds and without PostgreSQL or nginx where it can.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")

# A benchmark opens the services' runtimes in its own process, where nothing has configured the
# log: what they log goes to stderr, so stdout carries only the figures (``--json``).
structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline: str | float | None = None
    ratio: float | None = None
    floor: float | str | None = None
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {**{k: v for k, v in data.items() if k != "extra"}, **data["extra"]}

    def against(self, base: Figure, floor: float | None = None) -> Figure:
        """This figure with ``base`` as its baseline (same unit), the ratio and, given, a floor on it."""
        self.baseline = base.name
        self.ratio = round(self.value / base.value, 3) if base.value else None
        if floor is not None:
            self.floor, self.met = floor, None if self.ratio is None else self.ratio >= floor
        return self


def arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the flags every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="tiny: only shows the script works (numbers mean nothing)")
    size.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--json", action="store_true", help="print the figures as a JSON list on stdout (for run.py)")
    return parser


def say(text: str) -> None:
    """Progress, for people: always on stderr, so stdout stays the figures."""
    print(text, file=sys.stderr, flush=True)


def report(figures: Iterable[Figure], as_json: bool) -> None:
    figures = list(figures)
    if as_json:
        print(json.dumps([f.as_json() for f in figures], ensure_ascii=False, indent=2))
    else:
        print(table([f.as_json() for f in figures]))


# ------------------------------------------------------------------------------------- table


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"


def floor_text(row: Mapping[str, Any]) -> str:
    floor = row.get("floor")
    if floor is None:
        return ""
    if isinstance(floor, str):
        return floor
    on = row.get("floor_on") or ("value" if row.get("unit") == "ms" or row.get("baseline") is None else "ratio")
    if on == "ratio":
        return f"≥ {floor:g}×"
    ceiling = row.get("floor_is", "max" if row.get("unit") == "ms" else "min") == "max"
    return f"{'≤' if ceiling else '≥'} {_number(floor)} {row.get('unit', '')}".rstrip()


def baseline_text(row: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> str:
    base = row.get("baseline")
    if base is None:
        return ""
    if isinstance(base, int | float):
        return f"{_number(base)} {row.get('unit', '')}".rstrip()
    named = next((other for other in rows if other.get("name") == base), None)
    if named is None:
        return str(base)
    return f"{_number(named['value'])} {named.get('unit', '')} ({base})"


def table(rows: list[Mapping[str, Any]], *, script_column: bool = False) -> str:
    """One line per figure: value, p50/p99, baseline (same run), ratio, floor and whether met."""
    header = ["figure", "value", "p50 ms", "p99 ms", "baseline (same run)", "ratio", "floor", "met"]
    lines = []
    for row in rows:
        name = f"{row['script']}: {row['name']}" if script_column and row.get("script") else row["name"]
        lines.append([
            name,
            f"{_number(row['value'])} {row.get('unit', '')}".rstrip() if row.get("value") is not None else "",
            _number(row["p50_ms"]) if row.get("p50_ms") is not None else "",
            _number(row["p99_ms"]) if row.get("p99_ms") is not None else "",
            baseline_text(row, rows),
            f"{row['ratio']:.3g}" if row.get("ratio") is not None else "",
            floor_text(row),
            {True: "yes", False: "NO", None: ""}[row.get("met")],
        ])  # fmt: skip
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    widths[0] = min(widths[0], 90)
    widths[4] = min(widths[4], 60)

    def render(cells: list[str]) -> str:
        out = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            cell = cell if len(cell) <= width else cell[: width - 1] + "…"
            out.append(cell.ljust(width) if index in (0, 4, 6) else cell.rjust(width))
        return "  ".join(out).rstrip()

    rule = "-" * len(render(header))
    return "\n".join([render(header), rule, *(render(line) for line in lines)])


# ------------------------------------------------------------------------------- the machine


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = round(pages * size / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or None,
        "memory_gib": memory,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "postgresql": _postgres_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def _postgres_version() -> str | None:
    try:
        from qlstack.postgres import postgres_bindir

        out = subprocess.run([str(postgres_bindir() / "postgres"), "--version"], capture_output=True, text=True)
        return out.stdout.strip() or None
    except Exception:  # not installed, or not this kind of machine: just not said
        return None


def now_text() -> str:
    return datetime.now(UTC).astimezone(SHANGHAI).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------- CPU time


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a live process (and its waited-for children), from /proc; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (PostgreSQL's backends under the postmaster)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def settle(pids: list[int], *, idle: float = 0.05, patience: float = 30.0) -> None:
    """Waits until ``pids`` use less than ``idle`` of a core together (a process just started
    spends seconds importing), so what a benchmark counts is its own load."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(0.5)
        if sum(cpu_seconds(pid) for pid in pids) - before < idle * 0.5:
            return


class CpuMeter:
    """CPU used by named groups of processes between ``start`` and ``stop``. Processes that end
    in between are not counted (PostgreSQL's backends live as long as their pooled connection)."""

    def __init__(self, groups: Mapping[str, Any]) -> None:
        self.groups = groups  # name → a callable returning the group's pids now
        self.before: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _sample(self) -> dict[str, dict[int, float]]:
        return {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        self.used = {
            name: sum(max(0.0, cpu - self.before.get(name, {}).get(pid, 0.0)) for pid, cpu in after[name].items())
            for name in after
        }
        return self.used
