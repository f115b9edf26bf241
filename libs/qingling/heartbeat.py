"""A worker process's heartbeat, for its container's health check: a file in the service's data
directory, touched when a worker loop completes a pass (at most every ``BEAT_SECONDS``).
``qingling worker --check <service>`` fails when it is missing or older than ``STALE_SECONDS``: the
process hangs, or every pass fails (its database is out of reach). The data directory is each
container's own — shared file stores are mounted below it — so every replica beats for itself."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from qingling.settings import ServiceSettings

BEAT_SECONDS = 5.0
# Far above the longest quiet spell of a working process: the outbox relay passes every
# relay_interval_seconds, and a pass waits on a peer for 10 s per call at most.
STALE_SECONDS = 120.0


def heartbeat_path(settings: ServiceSettings) -> Path:
    return settings.data_dir / f"{settings.service_name}-worker.heartbeat"


@dataclass
class Heartbeat:
    path: Path
    last: float = -math.inf  # time.monotonic() of the last touch

    def beat(self) -> None:
        now = time.monotonic()
        if now - self.last >= BEAT_SECONDS:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
            self.last = now


def seconds_since_beat(path: Path) -> float | None:
    """None when the worker has not beaten yet."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
