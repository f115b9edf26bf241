from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from notify.database import NotifyModel
from qingling.delivery import DeliveryState, LeasedRow


class WebhookEndpoint(NotifyModel, table=True):
    """An enterprise system's URL and the event types it wants, set up by the enterprise's admin."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    enterprise_code: str = Field(max_length=18, index=True)
    url: str = Field(max_length=500)
    event_types: list[str] = Field(sa_type=JSON)
    description: str | None = Field(default=None, max_length=200)
    active: bool = True
    created_by: str = Field(max_length=100)
    created_at: datetime
    updated_at: datetime


class WebhookSecret(NotifyModel, table=True):
    """A signing secret of an endpoint. After a rotation the old one signs too until it expires,
    so the receiver can switch over without losing a message."""

    __tablename__ = "webhook_secret"

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    sealed_secret: str = Field(max_length=200)  # whsec_<base64> (as the libraries take it), sealed at rest
    created_at: datetime
    expires_at: datetime | None = None


class WebhookMessage(LeasedRow, NotifyModel, table=True):
    """One message for one endpoint on the leased delivery queue, delivered at least once: claimed
    with a lease, retried with backoff, parked when refused for good or out of attempts (until the
    enterprise replays it), identified by ``msg_id`` (the ``webhook-id`` header) so receivers drop
    duplicates."""

    __tablename__ = "webhook_message"

    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(max_length=40, unique=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event_type: str = Field(max_length=50)
    payload: dict[str, Any] = Field(sa_type=JSON)
    item_type: str | None = Field(default=None, max_length=20)
    item_id: int | None = None
    state: str = Field(default=DeliveryState.PENDING, max_length=10, index=True)  # pending|delivered|parked|cancelled
    available_at: datetime = Field(index=True)
    created_at: datetime
    delivered_at: datetime | None = None
