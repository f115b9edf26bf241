"""The one interface every outside channel (SMS, WeChat subscription messages, e-mail) speaks, so
the delivery queue can hold any of them: ``await adapter.send(message)`` answers ``Sent`` with the
provider's message id, or raises ``SendFailed`` saying what to do next — try again later, try the
recipient's next channel, or park the message for a person.

A ``Message`` is already addressed and worded for one channel: the caller picks the recipient's
address on that channel and the template parameters that channel's template declares (an SMS
template's ``${name}`` variables are not a WeChat template's ``thing1``). The kind is notify's
template key (``hazard.urge`` …); each channel's settings map kinds to the provider's template.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from qingling.delivery import Outcome


class ChannelName(StrEnum):
    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"


@dataclass(frozen=True)
class Message:
    kind: str  # notify's template key, e.g. "hazard.urge": chooses the provider's template
    to: str  # the address on this channel: a mobile number, an openid, an e-mail address
    params: Mapping[str, str] = field(default_factory=dict)  # the channel template's variables
    subject: str = ""  # e-mail only: the title as sent
    text: str = ""  # e-mail only: the body as sent (SMS and WeChat send approved templates only)
    page: str | None = None  # WeChat only: the mini-program page the message opens, e.g. "pages/tipoff/status?id=7"
    reference: str = ""  # the caller's id of this message (a delivery's): the provider echoes it where it can


@dataclass(frozen=True)
class Sent:
    channel: ChannelName
    provider_message_id: str | None  # Aliyun's BizId, WeChat's msgid, the e-mail's Message-ID

    def outcome(self) -> Outcome:
        return Outcome(delivered=True)


class Failure(StrEnum):
    RETRY = "retry"  # the provider is busy, throttling or out of reach: the same message later, with backoff
    REFUSED = "refused"  # this recipient cannot be reached on this channel now: fall back to the next one
    REJECTED = "rejected"  # the request is wrong (template, parameters, credentials): park it for a person


class SendFailed(Exception):
    """A send that did not go out. ``code`` is the provider's own (``isv.MOBILE_NUMBER_ILLEGAL``,
    ``43101``, ``SMTP 535``); ``detail`` never holds a recipient's address nor a secret."""

    def __init__(
        self, failure: Failure, channel: ChannelName, code: str, detail: str = "", status: int | None = None
    ) -> None:
        self.failure, self.channel, self.code, self.detail, self.status = failure, channel, code, detail, status
        super().__init__(f"{channel} {code}: {detail}".strip()[:500])

    @property
    def retryable(self) -> bool:
        return self.failure is Failure.RETRY

    @property
    def fallback(self) -> bool:
        """The caller should try the recipient's next channel (the queue parks this one)."""
        return self.failure is Failure.REFUSED

    def outcome(self) -> Outcome:
        return Outcome(False, self.status, str(self), final=not self.retryable)


class Adapter(ABC):
    """One outside channel. Adapters hold their connections' settings, never a session."""

    name: ClassVar[ChannelName]

    @abstractmethod
    def handles(self, kind: str) -> bool:
        """Whether this channel has a template (or, for e-mail, a way) to send messages of ``kind``."""

    @abstractmethod
    async def send(self, message: Message) -> Sent:
        """Send one message; raises ``SendFailed`` (never a library's or the network's exception)."""

    async def attempt(self, message: Message) -> Sent | SendFailed:
        """``send`` with its failure as a value: what the queue's ``Channel.send`` records."""
        try:
            return await self.send(message)
        except SendFailed as failed:
            return failed
