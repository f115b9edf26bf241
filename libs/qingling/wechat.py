"""The WeChat server API behind its access token: one client for every service that calls it with
the app's credentials (reports' content check, notify's subscription messages).

The access token comes from ``POST /cgi-bin/stable_token`` in normal mode: every caller gets the
same current token, and WeChat renews it 5 minutes early with old and new both valid meanwhile.
Fetching it does not invalidate the token other replicas hold, so each keeps an in-process cache —
the replicas share the token without sharing a store. ``force_refresh`` would invalidate every
replica's token (and is capped at 20 a day), so it is used only when WeChat hands back the very
token it has just rejected.

A call answered with 40001 (invalid or replaced) or 42001 (expired) fetches the token again and is
made once more; any other ``errcode`` is the caller's to read. WeChat answers errors with HTTP 200
and an ``errcode`` in the body. The base URL is the http client's, so tests run this against a
local server speaking the same protocol.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from qingling.clock import Clock

STALE_TOKEN_ERRORS = frozenset({40001, 42001})  # token invalid or replaced; token expired
TOKEN_MARGIN = timedelta(seconds=60)  # WeChat promises expires_in >= 300


class WechatUnavailable(Exception):
    """WeChat gave no answer a caller can act on: not reached, not JSON, or no token. The message
    never carries the URL (it holds the access token) nor the app secret."""


class WechatApi:
    def __init__(self, http: httpx.AsyncClient, app_id: str, app_secret: str, clock: Clock) -> None:
        self._http = http
        self._app_id = app_id
        self._app_secret = app_secret
        self._clock = clock
        self._token: str | None = None
        self._token_valid_until = datetime.min.replace(tzinfo=UTC)
        self._fetching = asyncio.Lock()  # concurrent calls without a token wait for one fetch

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST path?access_token=…`` with ``body``; the answer, whatever its ``errcode`` — after
        one retry on a fresh token if the first was stale."""
        token = await self.access_token()
        answer = await self._post(path, body, access_token=token)
        if answer.get("errcode") in STALE_TOKEN_ERRORS:  # renewed or replaced since cached: once more
            token = await self.access_token(rejected=token)
            answer = await self._post(path, body, access_token=token)
        return answer

    async def access_token(self, rejected: str | None = None) -> str:
        async with self._fetching:
            now = self._clock.now()
            if self._token and self._token != rejected and now < self._token_valid_until:
                return self._token  # also when another call has refreshed it meanwhile
            answer = await self._stable_token(force_refresh=False)
            if rejected and answer.get("access_token") == rejected:
                answer = await self._stable_token(force_refresh=True)
            token, expires_in = answer.get("access_token"), answer.get("expires_in")
            if not isinstance(token, str) or not token or not isinstance(expires_in, int):
                raise WechatUnavailable(f"stable_token errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
            self._token, self._token_valid_until = token, now + timedelta(seconds=expires_in) - TOKEN_MARGIN
            return token

    async def _stable_token(self, *, force_refresh: bool) -> dict[str, Any]:
        body = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._app_secret,
            "force_refresh": force_refresh,
        }
        return await self._post("/cgi-bin/stable_token", body)

    async def _post(self, path: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        try:
            # ensure_ascii=False: WeChat counts a field's length in characters, as sent.
            content = json.dumps(body, ensure_ascii=False).encode()
            headers = {"content-type": "application/json"}
            response = await self._http.post(path, content=content, headers=headers, params=params)
            response.raise_for_status()
            answer = json.loads(response.text)  # served as text/plain at times
        except (httpx.HTTPError, ValueError) as exc:
            # Only the type: the message of an HTTP error carries the URL, and with it the access token.
            raise WechatUnavailable(f"WeChat unreachable: {type(exc).__name__}") from exc
        if not isinstance(answer, dict):
            raise WechatUnavailable(f"unexpected answer from {path}")
        return answer
