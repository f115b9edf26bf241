from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel
from qingling.delivery import DeliveryState, LeasedRow


class OutgoingMessage(LeasedRow, NotifyModel, table=True):
    """One message on an outside channel (SMS, WeChat, e-mail), on the leased delivery queue.

    A row for a *place* (``person`` None) is the message to everyone there: on its turn the
    directory is asked who they are, and one row per person is written on that person's first
    channel (``OutgoingChannel``). A row for a *person* is sent through the channel's adapter; a
    provider's trouble is retried with the queue's backoff, a refusal of the recipient on this
    channel queues the next of ``fallbacks``. No phone, e-mail address or openid is kept: the
    person is found again at sending (the directory keeps them), and a reporter's phone and
    mini-program subject stay sealed (``sealed_address``, ``sealed_subject``) until the moment
    it is sent."""

    __tablename__ = "outgoing_message"

    id: int | None = Field(default=None, primary_key=True)
    place: str = Field(max_length=100)  # enterprise:<code>, department:<region>:<kind>, receipt:<code> …
    person: str | None = Field(default=None, max_length=100)  # account:12, principal, reporter; None: the place
    person_title: str = Field(default="", max_length=60)  # 主要负责人 周平, as the delivery log names them
    channel: str = Field(default="", max_length=10)  # sms | wechat | email; "" for a place
    fallbacks: list[str] = Field(default_factory=list, sa_type=JSON)  # the person's next channels, in order
    address_masked: str | None = Field(default=None, max_length=120)  # 138****0001
    sealed_address: str | None = Field(default=None, max_length=500)  # a reporter's phone, sealed for notify
    # A reporter's mini-program subject (wechat:<id>), sealed for notify: their openid is looked up
    # with it at sending, for a subscription message.
    sealed_subject: str | None = Field(default=None, max_length=500)
    kind: str = Field(max_length=50)  # the template key, e.g. hazard.listed
    template_version: int
    params: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # the provider template's variables
    title: str = Field(max_length=100)
    text: str = Field(max_length=4000)  # the wording (sent as such by e-mail)
    item_type: str = Field(max_length=20)
    item_id: int = Field(index=True)
    cause: str = Field(max_length=60)  # e.g. reminder:17, hazard:5:list
    step: str | None = Field(default=None, max_length=30)
    urgent: bool = False  # goes out during the SMS quiet hours too (a listing, a 约谈)
    statutory: bool = False  # the rules require it: no preference turns it off
    delivery_id: int | None = None  # the delivery log's line of the last attempt
    provider_message_id: str | None = Field(default=None, max_length=100)
    state: str = Field(default=DeliveryState.PENDING, max_length=10, index=True)
    available_at: datetime = Field(index=True)
    created_at: datetime
    delivered_at: datetime | None = None


class ChannelPreference(NotifyModel, table=True):
    """A person's channels for one kind of message (``*``: every kind), in order of preference;
    empty: the inbox only. A statutory kind goes out on the defaults when the person turned all off."""

    __tablename__ = "channel_preference"
    __table_args__ = (UniqueConstraint("subject", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=100)  # account:12, wechat:7
    kind: str = Field(max_length=50)  # a template key, or "*"
    channels: list[str] = Field(sa_type=JSON)
    updated_at: datetime
