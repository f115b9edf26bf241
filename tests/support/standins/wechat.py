"""A stand-in for the WeChat mini-program server API, speaking its request and answer shapes. Every
answer is HTTP 200; errors carry an ``errcode``.

- ``GET /sns/jscode2session`` — a ``wx.login`` code for the user's openid;
- ``POST /cgi-bin/stable_token`` — the app's access token. In normal mode every caller gets the
  current token; ``force_refresh`` replaces it, and the replaced one then answers 40001;
- ``POST /wxa/msg_sec_check?access_token=…`` — content check, version 1 (body ``{"content": …}``):
  87014 when the text contains one of ``risky_words``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# The sample text WeChat's msgSecCheck v1 documentation gives for testing: it answers 87014.
WECHAT_RISKY_SAMPLE = "特3456书yuuo莞6543李zxcz蒜7782法fgnv级"


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    body: Any = None  # the decoded JSON body of a POST


@dataclass
class FakeWechat:
    app_id: str = "wx-test-app"
    app_secret: str = "wx-test-secret"
    codes: dict[str, str] = field(default_factory=dict)  # js_code → openid, each usable once
    used: set[str] = field(default_factory=set)
    risky_words: set[str] = field(default_factory=lambda: {WECHAT_RISKY_SAMPLE})
    token_lifetime: int = 7200  # the expires_in of stable_token
    access_token: str | None = None  # the current stable token; issued on first request
    dead_tokens: dict[str, int] = field(default_factory=dict)  # token → the errcode it answers with now
    received: list[Received] = field(default_factory=list)  # every request, in order

    def issue_code(self, openid: str) -> str:
        """What ``wx.login`` would hand the mini-program for user ``openid``."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = openid
        return code

    def expire_token(self, *, still_handed_out: bool = False) -> None:
        """The current token expires (42001). Normally the next stable_token call issues a new one;
        with ``still_handed_out`` normal mode keeps returning the dead token and only
        ``force_refresh`` replaces it."""
        if self.access_token is not None:
            self.dead_tokens[self.access_token] = 42001
            if not still_handed_out:
                self.access_token = None

    def requests_to(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/sns/jscode2session", self._code2session),
                Route("/cgi-bin/stable_token", self._stable_token, methods=["POST"]),
                Route("/wxa/msg_sec_check", self._msg_sec_check, methods=["POST"]),
            ]
        )

    async def _record(self, request: Request) -> Received:
        body = None
        if request.method == "POST":
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = None
        received = Received(request.url.path, dict(request.query_params), body)
        self.received.append(received)
        return received

    async def _code2session(self, request: Request) -> JSONResponse:
        query = (await self._record(request)).query
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return JSONResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
        code = query.get("js_code", "")
        if code in self.used:
            return JSONResponse({"errcode": 40163, "errmsg": "code been used"})
        if code not in self.codes:
            return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})
        self.used.add(code)
        openid = self.codes[code]
        return JSONResponse({"openid": openid, "session_key": secrets.token_urlsafe(16), "unionid": f"u-{openid}"})

    async def _stable_token(self, request: Request) -> JSONResponse:
        body = (await self._record(request)).body
        if not isinstance(body, dict):
            return JSONResponse({"errcode": 47001, "errmsg": "data format error"})
        if body.get("grant_type") != "client_credential":
            return JSONResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
        if body.get("appid") != self.app_id:
            return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
        if body.get("secret") != self.app_secret:
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        if body.get("force_refresh") is True and self.access_token is not None:
            self.dead_tokens.setdefault(self.access_token, 40001)  # "invalid or not latest" from now on
            self.access_token = None
        if self.access_token is None:
            self.access_token = secrets.token_urlsafe(32)
        return JSONResponse({"access_token": self.access_token, "expires_in": self.token_lifetime})

    async def _msg_sec_check(self, request: Request) -> JSONResponse:
        received = await self._record(request)
        token = received.query.get("access_token")
        if not token:
            return JSONResponse({"errcode": 41001, "errmsg": "access_token missing"})
        if token in self.dead_tokens:
            errmsg = "access_token expired" if self.dead_tokens[token] == 42001 else "access_token is not latest"
            return JSONResponse({"errcode": self.dead_tokens[token], "errmsg": errmsg})
        if token != self.access_token:
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        if not isinstance(received.body, dict):
            return JSONResponse({"errcode": 47001, "errmsg": "data format error"})
        content = received.body.get("content")
        if not isinstance(content, str) or not content:
            return JSONResponse({"errcode": 44002, "errmsg": "empty post data"})
        if any(word in content for word in self.risky_words):
            return JSONResponse({"errcode": 87014, "errmsg": "risky content"})
        return JSONResponse({"errcode": 0, "errmsg": "ok"})
