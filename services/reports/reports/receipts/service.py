"""Receipts: what an anonymous reporter holds instead of an account.

A receipt code names the tip-off; a secret proves its holder. Both are random (the code 50 bits,
the secret 80 bits, in Crockford base32 so they can be read out over the phone), and only a keyed
HMAC of the secret is kept. Guessing is throttled (``reports.limits.receipt_guessing``): failed
look-ups are counted per client address, per code and address, and per code, in the database, so
every replica enforces the same limits — and so that guessing elsewhere never locks the owner out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import httpx
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import select

from qingling.auth.access import AccessRule
from qingling.auth.roles import REPORTER_ACCESS
from qingling.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from qingling.limits import client_address, too_many
from qingling.runtime import Runtime
from qingling.sealing import keyed_hash, same_secret
from reports import limits
from reports.tipoffs.models import TipOff

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
log = structlog.get_logger(__name__)
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


class ReceiptNotRecognised(Unauthorized):
    code, title = "receipt-not-recognised", "回执码或查询密码不正确"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Basic realm="receipt"'}


class ReceiptLookupsThrottled(TooManyRequests):
    code, title = "receipt-lookups-throttled", "查询失败次数过多，请稍后再试"


_basic = HTTPBasic(auto_error=False, scheme_name="receipt", description="回执码 + 查询密码")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(10))


def new_secret() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise(value: str) -> str:
    """As typed by a person: any case, dashes and spaces, O for 0 and I or L for 1."""
    return value.upper().replace("-", "").replace(" ", "").translate(_READ_AS)


def secret_hash(runtime: Runtime, secret: str) -> str:
    return keyed_hash(runtime.adapters.hash_key, normalise(secret))


async def open_receipt(runtime: Runtime, code: str, secret: str, address: str) -> TipOff:
    """The tip-off the receipt opens, or the problem to answer. A caller that must wait is refused
    before the secret is even compared, so guessing on cannot tell a hit from a miss; the limits
    (``reports.limits.receipt_guessing``) are such that an owner at another address than the
    guesser's still gets in. Runs in a unit of work of its own, so a failure is counted even though
    the request answers 401."""
    code = normalise(code)[:20]
    guessing, limiter = limits.receipt_guessing(runtime.settings), runtime.adapters.limiter
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        if wait := await guessing.wait(limiter, session, code, address, now):
            raise too_many(ReceiptLookupsThrottled, wait)
        query = select(TipOff).where(TipOff.receipt_code == code)
        tip_off = (await session.execute(query)).scalar_one_or_none()
        if tip_off is not None and same_secret(runtime.adapters.hash_key, normalise(secret), tip_off.secret_hash):
            await guessing.succeeded(limiter, session, code, address)
            return tip_off
        await guessing.failed(limiter, session, code, address, now)
    raise ReceiptNotRecognised()


@dataclass(frozen=True)
class ReceiptHolder(AccessRule):
    """The holder of a receipt: HTTP Basic with the receipt code as user name and the secret as
    password — no account, nothing in the URL, and Swagger UI's Authorize dialog can send it."""

    description: str = f"{REPORTER_ACCESS[0]}（{REPORTER_ACCESS[1]}，HTTP Basic：用户名填回执码，密码填查询密码）"

    async def __call__(
        self, request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
    ) -> TipOff:
        if credentials is None:
            raise ReceiptNotRecognised("请提供回执码和查询密码")
        runtime = request.app.state.runtime
        return await open_receipt(runtime, credentials.username, credentials.password, client_address(request))


HeldReceipt = Annotated[TipOff, Depends(ReceiptHolder())]


# ------------------------------------------------------------------------------------ the inbox

NOTIFY_INBOX = "/api/v1/notify/inbox"


class InboxUnavailable(ServiceUnavailable):
    code, title = "inbox-unavailable", "暂时无法打开收件箱，请稍后再试；办理进展仍可凭回执查看"


async def inbox(runtime: Runtime, tip_off: TipOff, params: dict[str, Any]) -> dict[str, Any]:
    """The receipt holder's inbox, kept by the notify service, read for them once the receipt is proven."""
    return await _notify(runtime, "GET", "", params={**params, "recipient": f"receipt:{tip_off.receipt_code}"})


async def mark_read(runtime: Runtime, tip_off: TipOff, ids: list[int] | None) -> dict[str, Any]:
    recipient = {"recipient": f"receipt:{tip_off.receipt_code}"}
    return await _notify(runtime, "POST", "/read", params=recipient, json={"ids": ids})


async def _notify(runtime: Runtime, method: str, path: str, **request: Any) -> dict[str, Any]:
    url = f"{runtime.settings.peer_url}{NOTIFY_INBOX}{path}"
    try:
        response = await runtime.http.request(method, url, auth=runtime.service_auth, **request)
    except httpx.HTTPError as exc:
        log.warning("notify unreachable", error=f"{type(exc).__name__}: {exc}")
        raise InboxUnavailable() from None
    if response.status_code != 200:
        log.warning("notify refused an inbox request", status=response.status_code)
        raise InboxUnavailable()
    return response.json()
