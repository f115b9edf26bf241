"""Receipts: what an anonymous reporter holds instead of an account.

A receipt code names the tip-off; a secret proves its holder. Both are random (the code 50 bits,
the secret 80 bits, in Crockford base32 so they can be read out over the phone), and only a keyed
HMAC of the secret is kept. Guessing is throttled: failed look-ups are counted per receipt code and
per client address in the database, so every replica enforces the same limit.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

import httpx
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.auth.access import AccessRule
from qingling.auth.roles import REPORTER_ACCESS
from qingling.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from qingling.runtime import Runtime
from qingling.sealing import keyed_hash, same_secret
from reports.receipts.models import ReceiptFailure
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
    """The tip-off the receipt opens, or the problem to answer. A throttled caller is refused before
    the secret is even compared, so guessing on cannot tell a hit from a miss. Runs in a unit of
    work of its own, so a failure is counted even though the request answers 401."""
    code = normalise(code)
    settings = runtime.settings
    window = timedelta(seconds=settings.receipt_failure_window_seconds)
    limits = {
        f"code:{code[:20]}": settings.receipt_failures_per_code,
        f"address:{address}": settings.receipt_failures_per_address,
    }
    async with runtime.unit_of_work() as session:
        now = runtime.clock.now()
        for key, limit in limits.items():
            if wait := await retry_after(session, key, limit, window, now):
                raise ReceiptLookupsThrottled(
                    f"请在 {math.ceil(wait / 60)} 分钟后再试", headers={"Retry-After": str(wait)}
                )
        query = select(TipOff).where(TipOff.receipt_code == code)
        tip_off = (await session.execute(query)).scalar_one_or_none()
        if tip_off is not None and same_secret(runtime.adapters.hash_key, normalise(secret), tip_off.secret_hash):
            return tip_off
        for key in limits:
            await count_failure(session, key, now, window)
    raise ReceiptNotRecognised()


# Failure counters: one row per key, in the database, so every replica counts against the same
# limit. Used for receipt look-ups and for reward claims whose identity does not match.


async def retry_after(session: AsyncSession, key: str, limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until ``key`` may try again when it has failed ``limit`` times in the current
    window; ``None`` when it may try now."""
    row = await session.get(ReceiptFailure, key)
    if row is None or now - row.window_started_at >= window or row.failures < limit:
        return None
    return max(1, math.ceil((row.window_started_at + window - now).total_seconds()))


async def count_failure(session: AsyncSession, key: str, now: datetime, window: timedelta) -> int:
    """Counts one failure of ``key`` (a new window when the last one has passed); answers the
    failures in the window so far."""
    row = await session.get(ReceiptFailure, key, with_for_update=True, populate_existing=True)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(ReceiptFailure(key=key, window_started_at=now, failures=1))
            return 1
        except IntegrityError:  # another replica counted a first failure at the same moment
            row = await session.get(ReceiptFailure, key, with_for_update=True, populate_existing=True)
    if now - row.window_started_at >= window:
        row.window_started_at, row.failures = now, 1
    else:
        row.failures += 1
    return row.failures


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
        address = request.client.host if request.client else "unknown"
        return await open_receipt(request.app.state.runtime, credentials.username, credentials.password, address)


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
