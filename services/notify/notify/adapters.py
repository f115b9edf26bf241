"""The notify service's connections to the outside world."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from qingling.runtime import Runtime
from qingling.sealing import Sealer, derive_key


@dataclass(frozen=True)
class NotifyAdapters:
    webhook_http: httpx.AsyncClient  # the real network, never the in-process peer transport
    sealer: Sealer  # webhook signing secrets, at rest


@asynccontextmanager
async def notify_adapters(runtime: Runtime) -> AsyncIterator[NotifyAdapters]:
    settings = runtime.settings
    keys = {key_id: derive_key(secret.get_secret_value(), "seal") for key_id, secret in settings.sealing_keys.items()}
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        yield NotifyAdapters(webhook_http=client, sealer=Sealer(keys, settings.sealing_key_id))
