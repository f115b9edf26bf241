"""Token verification in every service, against the issuer's published keys (JWKS).

Keys are fetched lazily through the service's injected HTTP client (the in-process transport in
embedded mode), cached, and fetched again when a token names an unknown ``kid`` — which is how
a key rotation reaches every service without a restart. Services never trust the gateway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from qingling.auth import jwt
from qingling.auth.jwt import InvalidToken
from qingling.auth.principal import Principal
from qingling.clock import Clock
from qingling.errors import ServiceUnavailable

REFETCH_COOLDOWN_SECONDS = 10.0  # at most one JWKS fetch per interval for unknown key ids
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
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        kid = jwt.key_id(token)
        key = await self._key(kid)
        claims = jwt.verify(token, key, audience=self.audience, issuer=self.issuer, now=self._clock.now())
        return Principal.from_claims(claims)

    async def _key(self, kid: str) -> dict[str, Any]:
        if kid in self._keys and time.monotonic() - self._fetched_at < MAX_CACHE_AGE_SECONDS:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= REFETCH_COOLDOWN_SECONDS:
                await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("登录凭证的签名密钥未知")
        return self._keys[kid]

    async def _refresh(self) -> None:
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
