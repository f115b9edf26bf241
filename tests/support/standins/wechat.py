"""A stand-in for the WeChat mini-program server API, speaking its request and answer shapes:
``GET /sns/jscode2session`` answers HTTP 200 with either the session or an ``errcode``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class FakeWechat:
    app_id: str = "wx-test-app"
    app_secret: str = "wx-test-secret"
    codes: dict[str, str] = field(default_factory=dict)  # js_code → openid, each usable once
    used: set[str] = field(default_factory=set)
    received: list[dict[str, str]] = field(default_factory=list)  # every request's query

    def issue_code(self, openid: str) -> str:
        """What ``wx.login`` would hand the mini-program for user ``openid``."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = openid
        return code

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/sns/jscode2session", self._code2session)])

    async def _code2session(self, request: Request) -> JSONResponse:
        query = dict(request.query_params)
        self.received.append(query)
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
