"""What the services log, as structlog event dicts, for tests that look at log lines.

structlog's ``capture_logs`` reconfigures the processors of loggers not used yet; a logger that a
system started earlier in the same run has used (``cache_logger_on_first_use``) keeps the
processors of its time and goes on writing to the standard library — where ``capture_logs`` does
not look. The services' own configuration (``qingling.logs``) sends every structlog line through
the standard library, so a handler on the root logger sees them all, cached or not, in order."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qingling.logs import configure_logging


class _Events(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, dict):  # structlog's event dict, as wrap_for_formatter hands it on
            self.events.append(record.msg)


def structured_logging() -> None:
    """The services' logging configuration: call it before the test (its root handler replaces
    any, so not within a test that reads ``caplog``)."""
    configure_logging()


@contextmanager
def captured_logs() -> Iterator[list[dict[str, Any]]]:
    """The event dicts logged within the block, by any structlog logger (after ``structured_logging``)."""
    handler = _Events()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.events
    finally:
        root.removeHandler(handler)
