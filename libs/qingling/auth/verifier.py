"""Token verification in every service, against the issuer's published keys (JWKS) and its list
of revoked sign-ins.

Keys are fetched lazily through the service's injected HTTP client (the in-process transport in
embedded mode), cached, and fetched again when a token names an unknown ``kid`` — which is how
a key rotation reaches every service without a restart. Services never trust the gateway.

An access token lives for half an hour, but a password reset, a disable or a demotion must end
it sooner: the issuer lists such accounts with the moment from which their tokens count
(``not_before``), and every service refuses an older token of a listed account. The list is
fetched again once it is ``REVOCATIONS_MAX_AGE`` old by the service clock, so a revocation
reaches every service within that time (plus the issuer's clock).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog

from qingling.auth import jwt
from qingling.auth.jwt import InvalidToken
from qingling.auth.principal import Principal
from qingling.clock import Clock
from qingling.errors import ServiceUnavailable

# Unknown key ids trigger a fetch, at most this many per window: a rotation is always picked up
# at once, while a flood of forged key ids cannot turn into a flood of fetches.
REFETCHES_PER_WINDOW = 5
REFETCH_WINDOW_SECONDS = 60.0
MAX_CACHE_AGE_SECONDS = 3600.0  # drop withdrawn keys within the hour
REVOCATIONS_MAX_AGE = timedelta(seconds=30)
REVOCATIONS_RETRY = timedelta(seconds=5)  # after a failed fetch, keep the list we have this long

Fetch = Callable[[], Awaitable[dict[str, Any]]]
log = structlog.get_logger()


class KeysUnavailable(ServiceUnavailable):
    code, title = "keys-unavailable", "暂时无法验证登录凭证（认证服务不可达），请稍后重试"


class SignInRevoked(InvalidToken):
    code, title = "sign-in-revoked", "登录已失效（密码被重置、账号停用或角色变更），请重新登录"


class TokenVerifier:
    def __init__(
        self,
        fetch_jwks: Fetch,
        *,
        issuer: str,
        audience: str,
        clock: Clock,
        fetch_revocations: Fetch | None = None,  # None: the issuer publishes none (an external one)
    ) -> None:
        self._fetch_jwks = fetch_jwks
        self._fetch_revocations = fetch_revocations
        self.issuer = issuer
        self.audience = audience
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = float("-inf")
        self._recent_fetches: deque[float] = deque(maxlen=REFETCHES_PER_WINDOW)
        self._lock = asyncio.Lock()
        self._revoked: dict[str, int] = {}  # subject → not_before (epoch seconds)
        self._revocations_due: datetime | None = None  # service clock: when to fetch the list again
        self._revocations_lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        kid = jwt.key_id(token)
        key = await self._key(kid)
        claims = jwt.verify(token, key, audience=self.audience, issuer=self.issuer, now=self._clock.now())
        principal = Principal.from_claims(claims)
        # Our services are never revoked by this list (their secrets are rotated instead), which
        # also lets a service fetch the list with its own token.
        if self._fetch_revocations is not None and not principal.subject.startswith("service:"):
            not_before = (await self._revocations()).get(principal.subject)
            if not_before is not None and claims["iat"] < not_before:
                raise SignInRevoked()
        return principal

    async def _revocations(self) -> dict[str, int]:
        if self._revocations_current():
            return self._revoked
        async with self._revocations_lock:
            if not self._revocations_current():
                await self._refresh_revocations()
        return self._revoked

    def _revocations_current(self) -> bool:
        now = self._clock.now()
        # A clock moved backwards (tests reset theirs) counts as stale too.
        due = self._revocations_due
        return due is not None and now < due and due - now <= REVOCATIONS_MAX_AGE

    async def _refresh_revocations(self) -> None:
        assert self._fetch_revocations is not None
        now = self._clock.now()
        try:
            listing = await self._fetch_revocations()
            self._revoked = {entry["subject"]: int(entry["not_before"]) for entry in listing["revocations"]}
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            # Keep the list we have (its entries still apply) and try again shortly: verifying
            # tokens must not stop while the issuer is briefly unreachable.
            log.warning("revocation list unavailable", error=f"{type(exc).__name__}: {exc}")
            self._revocations_due = now + REVOCATIONS_RETRY
            return
        self._revocations_due = now + REVOCATIONS_MAX_AGE

    async def _key(self, kid: str) -> dict[str, Any]:
        if kid not in self._keys or self._stale():
            async with self._lock:
                if (kid not in self._keys or self._stale()) and self._may_fetch():
                    await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("登录凭证的签名密钥未知")
        return self._keys[kid]

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched_at > MAX_CACHE_AGE_SECONDS

    def _may_fetch(self) -> bool:
        window_full = len(self._recent_fetches) == REFETCHES_PER_WINDOW
        return not window_full or time.monotonic() - self._recent_fetches[0] > REFETCH_WINDOW_SECONDS

    async def _refresh(self) -> None:
        self._recent_fetches.append(time.monotonic())
        try:
            jwks = await self._fetch_jwks()
        except (httpx.HTTPError, ValueError) as exc:
            raise KeysUnavailable() from exc
        self._keys = {key["kid"]: key for key in jwks.get("keys", []) if "kid" in key}
        self._fetched_at = time.monotonic()


def json_fetcher(http: httpx.AsyncClient, url: str, auth: httpx.Auth | None = None) -> Fetch:
    async def fetch() -> dict[str, Any]:
        response = await http.get(url, auth=auth)
        response.raise_for_status()
        return response.json()

    return fetch
