"""Optional content-safety check of a public tip-off's text, against WeChat's ``msgSecCheck``.

Version 1 of ``POST /wxa/msg_sec_check?access_token=…`` is used on purpose — body ``{"content": …}``,
``errcode`` 87014 for risky content. Version 2 requires the openid of a user who opened the
mini-program within the last two hours; the reports service never knows one (tokens carry only
an internal subject), and a reporter's openid must not be sent anywhere. WeChat stopped updating
v1 on 2021-09-01 but still documents it. The base URL is the http client's, so tests run this
against a local server speaking the same protocol.

The access token comes from ``POST /cgi-bin/stable_token`` in normal mode: every caller gets the
same current token, and WeChat renews it 5 minutes early with old and new both valid meanwhile.
Fetching it does not invalidate the token other replicas hold, so each keeps an in-process cache.
``force_refresh`` would invalidate every replica's token (and is capped at 20 a day), so it is used
only when WeChat hands back the very token it has just rejected.

Intake never waits on this: when WeChat cannot be reached or answers an unexpected error, the
text passes unflagged with reason "unchecked", and a warning is logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
import structlog

from qingling.clock import Clock

log = structlog.get_logger(__name__)

RISKY_CONTENT = 87014
STALE_TOKEN_ERRORS = {40001, 42001}  # token invalid or replaced; token expired
TOKEN_MARGIN = timedelta(seconds=60)  # WeChat promises expires_in >= 300


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    reason: str | None = None  # "risky" when flagged; "unchecked" when WeChat could not tell


class ContentCheck(Protocol):
    async def check(self, text: str) -> Verdict: ...


class NoContentCheck:
    """No mini-program app id configured: every text passes."""

    async def check(self, text: str) -> Verdict:
        return Verdict(flagged=False)


class _Unchecked(Exception):
    """WeChat did not give an answer the check can act on."""


class WechatContentCheck:
    def __init__(self, http: httpx.AsyncClient, app_id: str, app_secret: str, clock: Clock) -> None:
        self._http = http
        self._app_id = app_id
        self._app_secret = app_secret
        self._clock = clock
        self._token: str | None = None
        self._token_valid_until = datetime.min.replace(tzinfo=UTC)

    async def check(self, text: str) -> Verdict:
        try:
            token = await self._access_token()
            answer = await self._post("/wxa/msg_sec_check", {"content": text}, access_token=token)
            if answer.get("errcode") in STALE_TOKEN_ERRORS:  # renewed or replaced since cached: once more
                token = await self._access_token(rejected=token)
                answer = await self._post("/wxa/msg_sec_check", {"content": text}, access_token=token)
            errcode = answer.get("errcode") or 0
            if errcode == RISKY_CONTENT:
                return Verdict(flagged=True, reason="risky")
            if errcode:
                raise _Unchecked(f"msg_sec_check errcode {errcode}: {answer.get('errmsg', '')}")
            return Verdict(flagged=False)
        except _Unchecked as exc:
            log.warning("content check skipped, tip-off accepted unchecked", error=str(exc))
            return Verdict(flagged=False, reason="unchecked")

    async def _access_token(self, rejected: str | None = None) -> str:
        now = self._clock.now()
        if self._token and self._token != rejected and now < self._token_valid_until:
            return self._token  # also when another check has refreshed it meanwhile
        answer = await self._stable_token(force_refresh=False)
        if rejected and answer.get("access_token") == rejected:
            answer = await self._stable_token(force_refresh=True)
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise _Unchecked(f"stable_token errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
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
            response = await self._http.post(path, json=body, params=params)
            response.raise_for_status()
            answer = json.loads(response.text)  # served as text/plain at times
        except (httpx.HTTPError, ValueError) as exc:
            # Only the type: the message of an HTTP error carries the URL, and with it the access token.
            raise _Unchecked(f"WeChat unreachable: {type(exc).__name__}") from exc
        if not isinstance(answer, dict):
            raise _Unchecked(f"unexpected answer from {path}")
        return answer
