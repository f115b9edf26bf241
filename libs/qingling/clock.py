"""The one source of "now" for every service.

Deadlines, reminders and overdue flags all depend on the current time, so tests must be able
to freeze and advance it — also across the separate processes of the distributed stack. A
``FileClock`` reads its state from a small JSON file that any process (or a test) can rewrite:

    {"frozen_at": "2024-10-01T09:00:00+08:00"}   time stands still at that instant
    {"offset_seconds": 86400}                     real time shifted by a fixed amount
    {}                                            real time

The file is re-read only when it is replaced or modified, so the cost per call is a stat.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FileClock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._frozen_at: datetime | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        self._reload()
        if self._frozen_at is not None:
            return self._frozen_at
        return datetime.now(UTC) + self._offset

    def _reload(self) -> None:
        try:
            stat = self.path.stat()
            stamp = (stat.st_ino, stat.st_mtime_ns)  # a rename gives a new inode
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return
        state = json.loads(self.path.read_text()) if stamp is not None else {}
        frozen = state.get("frozen_at")
        self._frozen_at = datetime.fromisoformat(frozen).astimezone(UTC) if frozen else None
        self._offset = timedelta(seconds=state.get("offset_seconds", 0))
        self._stamp = stamp

    # Writers, used by tests and by `qingling clock`.
    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("freeze() needs a timezone-aware datetime")
        self._write({"frozen_at": at.isoformat()})

    def advance(self, delta: timedelta) -> None:
        current = self.now()
        if self._frozen_at is not None:
            self.freeze(current + delta)
        else:
            self._write({"offset_seconds": (self._offset + delta).total_seconds()})

    def reset(self) -> None:
        self._write({})

    def _write(self, state: dict) -> None:
        # Write-then-rename so a reader in another process never sees half a file.
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.path)
        self._stamp = None


def to_shanghai(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)
