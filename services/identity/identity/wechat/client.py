"""WeChat mini-program login: ``GET /sns/jscode2session`` (code → openid).

A thin async adapter over the real endpoint and its error codes, with the base URL configurable
so tests run it against a local server speaking the same protocol. WeChat answers errors with
HTTP 200 and an ``errcode`` in the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from qingling.errors import ServiceUnavailable, Unauthorized

INVALID_CODE_ERRORS = {40029, 40163}  # invalid code; code already used
BLOCKED_USER_ERROR = 40226  # high-risk user, blocked by WeChat


class InvalidWechatCode(Unauthorized):
    code, title = "invalid-wechat-code", "微信登录凭证无效或已使用，请在小程序中重新登录"


class WechatUnavailable(ServiceUnavailable):
    code, title = "wechat-unavailable", "微信登录暂时不可用，请稍后重试"


@dataclass(frozen=True)
class WechatSession:
    openid: str
    unionid: str | None


class WechatClient:
    def __init__(self, http: httpx.AsyncClient, app_id: str, app_secret: str) -> None:
        self._http = http
        self._app_id = app_id
        self._app_secret = app_secret

    async def code_to_session(self, js_code: str) -> WechatSession:
        params = {
            "appid": self._app_id,
            "secret": self._app_secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
        }
        try:
            response = await self._http.get("/sns/jscode2session", params=params)
            response.raise_for_status()
            body = json.loads(response.text)  # served as text/plain at times
        except (httpx.HTTPError, ValueError) as exc:
            raise WechatUnavailable(f"无法连接微信接口：{type(exc).__name__}") from exc
        errcode = body.get("errcode") or 0
        if errcode in INVALID_CODE_ERRORS:
            raise InvalidWechatCode()
        if errcode == BLOCKED_USER_ERROR:
            raise InvalidWechatCode("该微信用户被微信判定为高风险，暂不能登录")
        if errcode or not body.get("openid"):
            raise WechatUnavailable(f"微信接口返回错误 {errcode}：{body.get('errmsg', '')}")
        return WechatSession(openid=body["openid"], unionid=body.get("unionid"))
