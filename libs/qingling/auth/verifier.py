"""Token verification in every service, against the issuer's published keys (JWKS).

Keys are fetched lazily through the service's injected HTTP client (the in-process transport in
embedded mode), cached, and fetched again when a token names an unknown ``kid`` — which is how
a key rotation reaches every service without a restart. Services never trust the gateway.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

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


class KeysUnavailable(ServiceUnavailable):
    code, title = "keys-unavailable", "暂时无法验证登录凭证（认证服务不可达），请稍后重试"


class TokenVerifier:
    def __init__(
        self, fetch_jwks: Callable[[], Awaitable[dict[str, Any]]], *, issuer: str, audience: str, clock: Clock
    ) -> None:
        self._fetch_jwks = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = float("-inf")
        self._recent_fetches: deque[float] = deque(maxlen=REFETCHES_PER_WINDOW)
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        kid = jwt.key_id(token)
        key = await self._key(kid)
        claims = jwt.verify(token, key, audience=self.audience, issuer=self.issuer, now=self._clock.now())
        return Principal.from_claims(claims)

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


def jwks_fetcher(http: httpx.AsyncClient, url: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def fetch() -> dict[str, Any]:
        response = await http.get(url)
        response.raise_for_status()
        return response.json()

    return fetch
