"""An embedded Qingling built for a test: the test environment, a clock the test steers (a file
under the test's folder, which every service reads), and workers that pass every 0.2 s so what a
test waits for happens at once. Every embedded system the tests start is built here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qingling.clock import FileClock
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher, build_embedded

QUICK_WORKERS = {"relay_interval_seconds": 0.2, "sweep_interval_seconds": 0.2}


def embedded_for_test(root: Path, **settings: Any) -> tuple[EmbeddedDispatcher, FileClock]:
    """The system's data under ``root / "data"``, its clock ``root / "clock.json"``; ``settings``
    are the services' own, over the quick workers."""
    clock = FileClock(root / "clock.json")
    dispatcher = build_embedded(
        root / "data", environment=Environment.TEST, clock_file=clock.path, **(QUICK_WORKERS | settings)
    )
    return dispatcher, clock
