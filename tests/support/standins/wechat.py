"""A stand-in for the WeChat mini-program server API, speaking its request and answer shapes. Every
answer is HTTP 200; errors carry an ``errcode``.

- ``GET /sns/jscode2session`` — a ``wx.login`` code for the user's openid;
- ``POST /cgi-bin/stable_token`` — the app's access token. In normal mode every caller gets the
  current token; ``force_refresh`` replaces it, and the replaced one then answers 40001;
- ``POST /wxa/msg_sec_check?access_token=…`` — content check, version 1 (body ``{"content": …}``):
  87014 when the text contains one of ``risky_words``;
- ``POST /cgi-bin/message/subscribe/send?access_token=…`` — a subscription message: the openid
  must be one of the app's users (40003), the template one of the app's (40037), the page one of
  the mini-program's (41030), the data exactly the template's keywords, each ``{"value": str}``
  within its type's length (47003); a user needs an authorisation left for the template — one
  per ``authorise`` (one tap on "allow") — else 43101. Each message sent uses one up.

Run it for a demo: ``python -m standins.wechat --port 8702`` (from tests/support).
"""

from __future__ import annotations

import json
import re
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


# Length limits of a subscription message's keyword types (the prefix of its key: thing1, time2 …).
KEYWORD_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "number": 32, "letter": 32, "name": 10}
_KEYWORD = re.compile(r"^([a-z_]+?)(\d+)$")


@dataclass(frozen=True)
class SubscribeMessage:
    openid: str
    template_id: str
    page: str | None
    data: dict[str, str]  # keyword → value
    state: str
    msgid: int


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
    users: set[str] = field(default_factory=set)  # openids of the app's users (also every issued code's)
    templates: dict[str, set[str]] = field(default_factory=dict)  # subscription template id → its keywords
    pages: set[str] = field(default_factory=lambda: {"pages/index/index", "pages/tipoff/status"})
    authorisations: dict[tuple[str, str], int] = field(default_factory=dict)  # (openid, template) → left
    messages: list[SubscribeMessage] = field(default_factory=list)  # subscription messages sent

    def authorise(self, openid: str, template_id: str, times: int = 1) -> None:
        """The user tapped "allow" for the template ``times`` times (``wx.requestSubscribeMessage``)."""
        self.users.add(openid)
        key = (openid, template_id)
        self.authorisations[key] = self.authorisations.get(key, 0) + times

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
                Route("/cgi-bin/message/subscribe/send", self._subscribe_send, methods=["POST"]),
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

    def _token_refusal(self, received: Received) -> JSONResponse | None:
        token = received.query.get("access_token")
        if not token:
            return JSONResponse({"errcode": 41001, "errmsg": "access_token missing"})
        if token in self.dead_tokens:
            errmsg = "access_token expired" if self.dead_tokens[token] == 42001 else "access_token is not latest"
            return JSONResponse({"errcode": self.dead_tokens[token], "errmsg": errmsg})
        if token != self.access_token:
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        return None

    async def _msg_sec_check(self, request: Request) -> JSONResponse:
        received = await self._record(request)
        if (refusal := self._token_refusal(received)) is not None:
            return refusal
        if not isinstance(received.body, dict):
            return JSONResponse({"errcode": 47001, "errmsg": "data format error"})
        content = received.body.get("content")
        if not isinstance(content, str) or not content:
            return JSONResponse({"errcode": 44002, "errmsg": "empty post data"})
        if any(word in content for word in self.risky_words):
            return JSONResponse({"errcode": 87014, "errmsg": "risky content"})
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _subscribe_send(self, request: Request) -> JSONResponse:
        received = await self._record(request)
        if (refusal := self._token_refusal(received)) is not None:
            return refusal
        body = received.body
        if not isinstance(body, dict):
            return JSONResponse({"errcode": 47001, "errmsg": "data format error"})
        openid, template_id, page = body.get("touser"), body.get("template_id"), body.get("page")
        if not isinstance(openid, str) or openid not in self.users | set(self.codes.values()):
            return JSONResponse({"errcode": 40003, "errmsg": "invalid openid"})
        if template_id not in self.templates:
            return JSONResponse({"errcode": 40037, "errmsg": "invalid template_id"})
        if page is not None and (not isinstance(page, str) or page.partition("?")[0] not in self.pages):
            return JSONResponse({"errcode": 41030, "errmsg": "invalid page"})
        state = body.get("miniprogram_state", "formal")
        if state not in {"developer", "trial", "formal"}:
            return JSONResponse({"errcode": 47003, "errmsg": "argument invalid! miniprogram_state invalid"})
        data = body.get("data")
        if not isinstance(data, dict) or set(data) != self.templates[template_id]:
            return JSONResponse({"errcode": 47003, "errmsg": "argument invalid! data invalid"})
        values: dict[str, str] = {}
        for key, entry in data.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            match = _KEYWORD.match(key)
            limit = KEYWORD_LIMITS.get(match[1], 20) if match else 0
            if not isinstance(value, str) or not value or len(value) > limit:
                return JSONResponse({"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"})
            values[key] = value
        left = self.authorisations.get((openid, template_id), 0)
        if left <= 0:
            return JSONResponse({"errcode": 43101, "errmsg": "user refuse to accept the msg"})
        self.authorisations[(openid, template_id)] = left - 1
        msgid = secrets.randbelow(2**62)
        self.messages.append(SubscribeMessage(openid, template_id, page, values, state, msgid))
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})


def main() -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description="WeChat server API stand-in (stable_token, subscribe/send …)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--template", action="append", default=[], metavar="ID=thing1,time2")
    parser.add_argument("--authorise", action="append", default=[], metavar="OPENID=TEMPLATE_ID")
    args = parser.parse_args()
    fake = FakeWechat()
    for entry in args.template:
        template_id, _, keys = entry.partition("=")
        fake.templates[template_id] = set(keys.split(","))
    for entry in args.authorise:
        openid, _, template_id = entry.partition("=")
        fake.authorise(openid, template_id, times=100)
    print(f"app id {fake.app_id}, secret {fake.app_secret}")
    uvicorn.run(fake.app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
