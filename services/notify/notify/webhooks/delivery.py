"""The webhook delivery worker: a channel on the leased delivery queue (``qingling.delivery``).

Messages are claimed by any number of workers with ``FOR UPDATE SKIP LOCKED`` and a lease (a
killed worker's rows come back after the lease), signed per the Standard Webhooks specification
with the ``standardwebhooks`` library at the moment of sending, sent outside the transaction and
recorded with backoff. A receiver's refusal for good (a 4xx other than 408/409/429) or the last of
``webhook_max_attempts`` parks the message: the enterprise sees it among its messages and replays
it when its system is fixed. Every attempt goes into the delivery log.

The URL is checked again at every attempt, as the connection is made (``targets``); a refused or
unreachable receiver is recorded with one text, whatever the cause, and retried like any other
failure — how it failed would tell a subscriber which internal addresses and ports answer."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from notify.deliveries.models import Delivery
from notify.webhooks.models import WebhookEndpoint, WebhookMessage, WebhookSecret
from notify.webhooks.targets import CONNECT_FAILED
from qingling.delivery import NOT_SENT, Channel, DeliveryQueue, Outcome
from qingling.runtime import Runtime

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WebhookJob:
    id: int
    msg_id: str  # the webhook-id header
    destination: str  # the endpoint's URL
    secrets: list[str]  # the secrets that sign now, newest first
    body: str  # the JSON as sent and signed


# Requests a pass has open to one receiver at a time: its messages go over a few kept-alive
# connections one after another, not a connection each (a receiver is an enterprise's system).
PER_RECEIVER = 8


class WebhookChannel(Channel[WebhookJob]):
    name = "webhook"
    table = WebhookMessage
    per_destination = True  # at most PER_RECEIVER at once to each receiver (``send_batch``)

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.batch_size = settings.webhook_batch_size
        # Long enough for a pass whose receiver times out on every message it is sent in turn.
        slowest = math.ceil(self.batch_size / PER_RECEIVER) * settings.webhook_timeout_seconds + 30
        self.lease = timedelta(seconds=max(settings.webhook_lease_seconds, slowest))
        self.interval = settings.sweep_interval_seconds
        self.max_attempts = settings.webhook_max_attempts

    async def prepare(
        self, session: AsyncSession, rows: Sequence[WebhookMessage], now: datetime
    ) -> list[WebhookJob | None]:
        targets = await self._targets(session, {row.endpoint_id for row in rows}, now)
        jobs: list[WebhookJob | None] = []
        for row in rows:
            target = targets.get(row.endpoint_id)
            body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":"))
            # None: the enterprise switched the endpoint off, the message is cancelled
            jobs.append(None if target is None else WebhookJob(row.id, row.msg_id, target[0], target[1], body))
        return jobs

    async def _targets(
        self, session: AsyncSession, endpoint_ids: set[int], now: datetime
    ) -> dict[int, tuple[str, list[str]]]:
        """Each active endpoint's URL and the secrets that sign for it now (newest first): two
        queries a batch, whatever the number of endpoints in it."""
        query = select(WebhookEndpoint.id, WebhookEndpoint.url).where(
            WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.active
        )
        urls: dict[int, str] = {endpoint_id: url for endpoint_id, url in await session.execute(query)}
        valid = select(WebhookSecret.endpoint_id, WebhookSecret.sealed_secret).where(
            WebhookSecret.endpoint_id.in_(urls),
            or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
        )
        secrets: dict[int, list[str]] = {endpoint_id: [] for endpoint_id in urls}
        sealer = self.runtime.adapters.sealer
        for endpoint_id, sealed in await session.execute(valid.order_by(WebhookSecret.id.desc())):
            secrets[endpoint_id].append(sealer.unseal(sealed, f"webhook:{endpoint_id}"))
        return {endpoint_id: (url, secrets[endpoint_id]) for endpoint_id, url in urls.items()}

    async def send(self, job: WebhookJob) -> Outcome:
        # The timestamp is the real time of sending, whatever the business clock says: receivers
        # check it against their own clocks to refuse replays.
        sent_at = datetime.now(UTC)
        signature = " ".join(Webhook(key).sign(job.msg_id, sent_at, job.body) for key in job.secrets)
        headers = {
            "content-type": "application/json",
            "webhook-id": job.msg_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signature,
        }
        adapters = self.runtime.adapters
        try:
            adapters.webhook_targets.policy.check_url(job.destination)  # a name is checked as it is looked up
            async with adapters.webhook_http.post(
                job.destination, data=job.body.encode(), headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                await _drain(response)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # TargetRefused is an OSError
            log.warning("webhook not delivered", id=job.id, error=f"{type(exc).__name__}: {exc}")
            return Outcome(False, None, CONNECT_FAILED)
        return Outcome.of_status(status, f"HTTP {status}")

    async def send_batch(self, destination: str, jobs: list[WebhookJob]) -> list[Outcome]:
        at_once = asyncio.Semaphore(PER_RECEIVER)

        async def send(job: WebhookJob) -> Outcome:
            async with at_once:  # one whose turn comes once the worker is stopping stays unsent
                return NOT_SENT if self.runtime.stopping.is_set() else await self.send(job)

        return list(await asyncio.gather(*(send(job) for job in jobs)))

    async def recorded(
        self, session: AsyncSession, row: WebhookMessage, job: WebhookJob, outcome: Outcome, now: datetime
    ) -> None:
        session.add(Delivery(
            item_type=row.item_type or "webhook", item_id=row.item_id or row.endpoint_id, cause=f"webhook:{row.id}",
            step=row.event_type, recipient=f"webhook:{row.endpoint_id}", channel="webhook", template=row.event_type,
            template_version=1, title=row.event_type, text=job.body[:4000], provider_message_id=row.msg_id,
            status="delivered" if outcome.delivered else "failed", error=outcome.error, attempted_at=now,
        ))  # fmt: skip


# What a receiver's answer may say before it is cut off: only its status counts, and a body of
# any size read whole would be the receiver's way to fill a worker's memory.
ANSWER_LIMIT = 64 * 1024


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Reads the answer's body, up to ``ANSWER_LIMIT``: a connection goes back to the pool only
    when its answer was read to the end; one cut off is closed instead."""
    read = 0
    async for chunk in response.content.iter_any():
        read += len(chunk)
        if read > ANSWER_LIMIT:
            return


class WebhookDelivery(DeliveryQueue[WebhookJob]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime, WebhookChannel(runtime))


async def deliver_forever(runtime: Runtime) -> None:
    """Worker: delivers due webhook messages until the runtime stops."""
    await WebhookDelivery(runtime).run_forever()


async def deliver_batch(runtime: Runtime) -> int:
    """One pass: claims a batch of due messages and tries each once; answers how many were claimed."""
    return await WebhookDelivery(runtime).run_once()
