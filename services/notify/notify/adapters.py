"""The notify service's connections to the outside world."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import structlog

from notify.channels import Channels, open_channels
from notify.directory.service import Directory
from notify.webhooks.targets import TargetPolicy, WebhookTargets
from qingling.reporter_contact import contact_sealer
from qingling.runtime import Runtime
from qingling.sealing import Sealer, derive_key

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class NotifyAdapters:
    # The real network, never the in-process peer transport; aiohttp, not httpx: a webhook costs it
    # a tenth of the CPU, and a wave of reminders sends tens of thousands (README, Performance).
    webhook_http: aiohttp.ClientSession
    webhook_targets: WebhookTargets  # where webhooks may go; webhook_http connects only there
    sealer: Sealer  # webhook signing secrets, at rest
    directory: Directory  # places → people and their phones, e-mails and openids (identity, hazards)
    channels: Channels  # SMS, WeChat, e-mail: those whose settings are complete
    contact_sealer: Sealer  # opens a reporter's phone (sealed by reports for notify), only to send


@asynccontextmanager
async def notify_adapters(runtime: Runtime) -> AsyncIterator[NotifyAdapters]:
    settings = runtime.settings
    keys = {key_id: derive_key(secret.get_secret_value(), "seal") for key_id, secret in settings.sealing_keys.items()}
    targets = WebhookTargets(TargetPolicy.of(settings))
    async with (
        targets.session(settings.webhook_timeout_seconds) as client,
        open_channels(settings, runtime.clock) as channels,
    ):
        if not channels.configured:
            log.info("no outside channel configured: messages go to the inbox and the delivery log only")
        else:
            log.info("outside channels on", channels=[str(name) for name in channels.configured])
        yield NotifyAdapters(
            webhook_http=client,
            webhook_targets=targets,
            sealer=Sealer(keys, settings.sealing_key_id),
            directory=Directory(runtime),
            channels=channels,
            contact_sealer=contact_sealer(settings.reporter_contact_keys, settings.reporter_contact_key_id),
        )
