"""An enterprise system receiving Qingling's webhooks, as its developers would write one: it
verifies every request with the ``standardwebhooks`` library, drops duplicates by ``webhook-id``,
and can be told to fail a message a number of times first."""

from __future__ import annotations

from dataclasses import dataclass, field

from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Arrival:
    msg_id: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)  # any one of them verifying is enough
    failures_left: int = 0  # answer 503 to this many requests before accepting
    refusals_left: int = 0  # answer 410 Gone (refused for good) to this many requests first
    arrivals: list[Arrival] = field(default_factory=list)
    accepted: dict[str, bytes] = field(default_factory=dict)  # by webhook-id: duplicates dropped
    keep_alive: bool = True  # False: every answer closes the connection, so each request opens one

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            return True
        return False

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            body, headers = await request.body(), dict(request.headers)
            verified = self.verify(body, headers)
            if not verified:
                status = 401
            elif self.refusals_left > 0:
                self.refusals_left -= 1
                status = 410
            elif self.failures_left > 0:
                self.failures_left -= 1
                status = 503
            else:
                self.accepted.setdefault(headers["webhook-id"], body)
                status = 204
            self.arrivals.append(Arrival(headers.get("webhook-id", ""), headers, body, verified, status))
            return Response(status_code=status, headers=None if self.keep_alive else {"connection": "close"})

        return Starlette(routes=[Route("/hooks", receive, methods=["POST"])])

    def of(self, msg_id: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.msg_id == msg_id]
