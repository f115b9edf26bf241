"""The notify service's connections to the outside world."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from qingling.runtime import Runtime


@dataclass(frozen=True)
class NotifyAdapters:
    webhook_http: httpx.AsyncClient  # the real network, never the in-process peer transport


@asynccontextmanager
async def notify_adapters(runtime: Runtime) -> AsyncIterator[NotifyAdapters]:
    timeout = httpx.Timeout(runtime.settings.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        yield NotifyAdapters(webhook_http=client)
