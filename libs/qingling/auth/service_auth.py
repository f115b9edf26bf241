"""Service-to-service calls carry a token obtained with the client-credentials grant.

Used as ``http.post(url, auth=runtime.service_auth)``: the token is cached until shortly before it
expires, and renewed once if the receiver answers 401 (a rotated key, a restarted issuer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

import httpx

from qingling.clock import Clock

RENEW_BEFORE = timedelta(seconds=60)


class ServiceAuth(httpx.Auth):
    def __init__(self, http: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str, clock: Clock):
        self._http = http
        self._token_url = token_url
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._clock = clock
        self._token: str | None = None
        self._expires_at = datetime.min.replace(tzinfo=UTC)
        self._lock = asyncio.Lock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self._current(renew=False)}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self._current(renew=True)}"
            yield request

    async def _current(self, *, renew: bool) -> str:
        async with self._lock:
            now = self._clock.now()
            if renew or self._token is None or now >= self._expires_at - RENEW_BEFORE:
                response = await self._http.post(self._token_url, data=self._credentials)
                response.raise_for_status()
                body = response.json()
                self._token = body["access_token"]
                self._expires_at = now + timedelta(seconds=body["expires_in"])
            return self._token
