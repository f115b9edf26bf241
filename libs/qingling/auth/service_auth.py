"""Service-to-service calls carry a token obtained with the client-credentials grant.

Used as ``http.post(url, auth=runtime.service_auth)``. Each token is asked for the one service the
call goes to (its ``audience``, read from the ``/api/v1/<service>/`` path), so a token that leaks
from one call is good at that service only, and only for the scopes this service holds. Tokens are
cached until shortly before they expire, and renewed once if the receiver answers 401 (a rotated
key, a restarted issuer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta

import httpx

from qingling.clock import Clock

RENEW_BEFORE = timedelta(seconds=60)
API_PREFIX = "/api/v1/"


def audience_of(url: httpx.URL) -> str:
    """``urn:qingling:<service>`` for a URL under ``/api/v1/<service>/``."""
    path = url.path
    if not path.startswith(API_PREFIX):
        raise ValueError(f"not a Qingling API URL: {url}")
    return f"urn:qingling:{path[len(API_PREFIX) :].split('/', 1)[0]}"


class ServiceAuth(httpx.Auth):
    def __init__(self, http: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str, clock: Clock):
        self._http = http
        self._token_url = token_url
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._clock = clock
        self._tokens: dict[str, tuple[str, datetime]] = {}  # audience → (token, expires at)
        self._lock = asyncio.Lock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        audience = audience_of(request.url)
        request.headers["Authorization"] = f"Bearer {await self._current(audience, renew=False)}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self._current(audience, renew=True)}"
            yield request

    async def _current(self, audience: str, *, renew: bool) -> str:
        async with self._lock:
            now = self._clock.now()
            cached = self._tokens.get(audience)
            if renew or cached is None or now >= cached[1] - RENEW_BEFORE:
                response = await self._http.post(self._token_url, data={**self._credentials, "audience": audience})
                response.raise_for_status()
                body = response.json()
                cached = self._tokens[audience] = (body["access_token"], now + timedelta(seconds=body["expires_in"]))
            return cached[0]
