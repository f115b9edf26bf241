"""The outside channels on the one leased delivery queue (``qingling.delivery``): ``OutgoingChannel``
sends each ``OutgoingMessage`` row through its channel's adapter (``notify.channels``).

A place's row is resolved to its people (the directory, over HTTP, outside any transaction) and
fanned out in the recording transaction. A person's row is sent; every attempt is a line in the
delivery log, with the masked address and the provider's message id. The provider's trouble is
retried with the queue's backoff (an SMS retry never lands in the quiet hours unless urgent);
a refusal of the recipient on this channel (43101, a number or mailbox that does not exist) parks
the row and queues the person's next channel; a rejected request (template, credentials) is
parked for a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from notify.channels import ChannelName, Failure, Message, SendFailed, Sent, mask_address
from notify.directory.peers import DirectoryUnavailable
from notify.directory.schemas import Contact
from notify.outgoing import policy, service
from notify.outgoing.models import OutgoingMessage
from notify.subscriptions import service as subscriptions
from qingling.delivery import Channel, DeliveryQueue, DeliveryState, Outcome
from qingling.reporter_contact import contact_context
from qingling.runtime import Runtime
from qingling.sealing import SealBroken

log = structlog.get_logger(__name__)


@dataclass
class OutgoingJob:
    id: int
    destination: str  # the place
    person: str | None
    channel: str
    kind: str
    params: dict[str, str]
    title: str
    text: str
    sealed_address: str | None = field(default=None, repr=False)
    item_id: int = 0
    sealed_subject: str | None = field(default=None, repr=False)
    # A subscription message's: the mini-program user (wechat:<id>), the template and whether an
    # authorisation is left for it (``WechatAuthorisation``), read as the batch is claimed.
    subject: str | None = field(default=None, repr=False)
    template_id: str | None = None
    authorised: bool = False
    # What the send found, for the recording transaction:
    contacts: list[Contact] | None = field(default=None, repr=False)
    result: Sent | SendFailed | None = None
    masked: str | None = None


class OutgoingChannel(Channel[OutgoingJob]):
    name = "outgoing"
    table = OutgoingMessage
    ties_by_key = True

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.batch_size = settings.outgoing_batch_size
        self.lease = timedelta(seconds=settings.outgoing_lease_seconds)
        self.interval = settings.sweep_interval_seconds
        self.max_attempts = settings.outgoing_max_attempts

    async def prepare(
        self, session: AsyncSession, rows: Sequence[OutgoingMessage], now: datetime
    ) -> list[OutgoingJob | None]:
        jobs = [
            OutgoingJob(
                row.id,
                row.place,
                row.person,
                row.channel,
                row.kind,
                dict(row.params),
                row.title,
                row.text,
                row.sealed_address,
                row.item_id,
                row.sealed_subject,
            )
            for row in rows
        ]
        await self._authorisations(session, [job for job in jobs if job.channel == ChannelName.WECHAT and job.person])
        return list(jobs)

    async def _authorisations(self, session: AsyncSession, jobs: list[OutgoingJob]) -> None:
        """Whose subscription messages these are, and whether each has an authorisation left for
        its template: one query for the batch. A reporter's subject is opened here, to send."""
        wechat = self.runtime.adapters.channels.wechat
        if wechat is None or not jobs:
            return
        for job in jobs:
            job.template_id = wechat.template_id(job.kind)
            try:
                job.subject = self._subject(job)
            except (SealBroken, ValueError):
                job.subject = None  # refused at sending: nobody to send it to
        pairs = {(job.subject, job.template_id) for job in jobs if job.subject and job.template_id}
        left = await subscriptions.remaining(session, pairs)
        for job in jobs:
            job.authorised = left.get((job.subject or "", job.template_id or ""), 0) > 0

    def _subject(self, job: OutgoingJob) -> str | None:
        if job.sealed_subject is not None:  # a reporter who signed in: opened only to send
            return self.runtime.adapters.contact_sealer.unseal(job.sealed_subject, contact_context(job.item_id))
        return job.person if job.person and job.person.startswith("wechat:") else None

    async def send(self, job: OutgoingJob) -> Outcome:
        if job.person is None:
            return await self._resolve(job)
        adapters = self.runtime.adapters
        adapter = adapters.channels.get(ChannelName(job.channel))
        if adapter is None:  # switched off since it was queued
            job.result = SendFailed(Failure.REJECTED, ChannelName(job.channel), "channel-off", "该渠道未配置")
            return job.result.outcome()
        if adapter.name is ChannelName.WECHAT and job.subject and not job.authorised:
            # None left, as the mini-program recorded them: WeChat would refuse it (43101).
            job.result = SendFailed(Failure.REFUSED, adapter.name, "no-authorisation", "订阅消息授权已用完或未授权")
            return job.result.outcome()
        try:
            address = await self._address(job)
        except DirectoryUnavailable as exc:
            return Outcome(False, None, exc.title)
        except (SealBroken, ValueError) as exc:
            job.result = SendFailed(Failure.REJECTED, adapter.name, type(exc).__name__, "收件地址无法打开")
            return job.result.outcome()
        if address is None:  # no longer reachable here (the register or the account changed): the next channel
            job.result = SendFailed(Failure.REFUSED, adapter.name, "no-address", "收件人已没有该渠道的地址")
            return job.result.outcome()
        job.masked = mask_address(adapter.name, address)
        message = Message(job.kind, address, job.params, subject=job.title, text=job.text, reference=f"ql-{job.id}")
        job.result = await adapter.attempt(message)
        return job.result.outcome()

    async def _resolve(self, job: OutgoingJob) -> Outcome:
        try:
            job.contacts = await self.runtime.adapters.directory.resolve(job.destination)
        except DirectoryUnavailable as exc:
            return Outcome(False, None, exc.title)
        except ValueError as exc:  # not a place the directory knows: a person must look
            return Outcome(False, None, str(exc)[:300], final=True)
        return Outcome(True)

    async def _address(self, job: OutgoingJob) -> str | None:
        """The person's address on the job's channel, found at the moment of sending."""
        if job.channel == ChannelName.WECHAT and job.sealed_subject is not None:
            if job.subject is None:
                raise ValueError("subject unreadable")
            return await self._openid(job.subject)  # a reporter who signed in
        if job.sealed_address is not None:  # a reporter's phone, opened only here
            return self.runtime.adapters.contact_sealer.unseal(job.sealed_address, contact_context(job.item_id))
        for contact in await self.runtime.adapters.directory.resolve(job.destination):
            if service.person_key(contact) == job.person:
                return contact.address(job.channel)
        return None

    async def _openid(self, subject: str) -> str | None:
        """A mini-program user's openid, from identity through the directory, at the moment of sending."""
        for contact in await self.runtime.adapters.directory.resolve(subject):
            if contact.subject == subject:
                return contact.openid
        return None

    async def recorded(
        self, session: AsyncSession, row: OutgoingMessage, job: OutgoingJob, outcome: Outcome, now: datetime
    ) -> None:
        if row.person is None:
            if outcome.delivered:
                await service.fan_out(session, row, job.contacts or [], now)
            return
        row.address_masked = job.masked or row.address_masked
        line = service.attempt_line(row, job.result, outcome.error, now)
        session.add(line)
        await session.flush()
        row.delivery_id = line.id
        if job.subject and job.template_id:  # a subscription message: its authorisation counted
            await subscriptions.count_send(session, job.subject, job.template_id, job.result, now)
        if isinstance(job.result, Sent):
            row.provider_message_id = job.result.provider_message_id
        elif isinstance(job.result, SendFailed) and job.result.failure is Failure.REFUSED:
            if service.next_channel(session, row, now) is None:
                log.info("outgoing: no further channel", id=row.id, kind=row.kind)
        elif row.state == DeliveryState.PENDING:  # a retry: not into the quiet hours
            row.available_at = policy.not_before(row.channel, row.urgent, row.available_at)


class OutgoingDelivery(DeliveryQueue[OutgoingJob]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime, OutgoingChannel(runtime))


async def deliver_forever(runtime: Runtime) -> None:
    """Worker: sends due outgoing messages until the runtime stops."""
    await OutgoingDelivery(runtime).run_forever()


async def deliver_batch(runtime: Runtime) -> int:
    return await OutgoingDelivery(runtime).run_once()
