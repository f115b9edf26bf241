"""Optional content-safety check of a public tip-off's text, against WeChat's ``msgSecCheck``.

Version 1 of ``POST /wxa/msg_sec_check?access_token=…`` is used on purpose — body ``{"content": …}``,
``errcode`` 87014 for risky content. Version 2 requires the openid of a user who opened the
mini-program within the last two hours; the reports service never knows one (tokens carry only
an internal subject), and a reporter's openid must not be sent anywhere. WeChat stopped updating
v1 on 2021-09-01 but still documents it. The base URL is the http client's, so tests run this
against a local server speaking the same protocol.

The access token and its refresh are ``qingling.wechat``'s (shared with notify's subscription
messages): cached per replica from ``stable_token``, a stale one fetched again once.

Intake never waits on this: when WeChat cannot be reached or answers an unexpected error, the
text passes unflagged with reason "unchecked", and a warning is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import structlog

from qingling.clock import Clock
from qingling.wechat import WechatApi, WechatUnavailable

log = structlog.get_logger(__name__)

RISKY_CONTENT = 87014


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
        self._wechat = WechatApi(http, app_id, app_secret, clock)

    async def check(self, text: str) -> Verdict:
        try:
            answer = await self._wechat.call("/wxa/msg_sec_check", {"content": text})
            errcode = answer.get("errcode") or 0
            if errcode == RISKY_CONTENT:
                return Verdict(flagged=True, reason="risky")
            if errcode:
                raise _Unchecked(f"msg_sec_check errcode {errcode}: {answer.get('errmsg', '')}")
            return Verdict(flagged=False)
        except (_Unchecked, WechatUnavailable) as exc:
            log.warning("content check skipped, tip-off accepted unchecked", error=str(exc))
            return Verdict(flagged=False, reason="unchecked")
