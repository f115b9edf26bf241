"""WeChat subscription messages (订阅消息): ``POST /cgi-bin/message/subscribe/send`` with the
user's openid, the template id, the mini-program page it opens and the template's data
(``{"thing1": {"value": …}}``), on the app's access token (``qingling.wechat``: cached, a stale
one fetched again once and the send retried once).

A one-time subscription allows one message per tap on "allow"; a user who refused, or whose
authorisations are used up, answers 43101 — ``Failure.REFUSED``, so the caller falls back to the
recipient's next channel. The openid is logged masked and goes nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import structlog

from notify.channels.base import Adapter, ChannelName, Failure, Message, SendFailed, Sent
from notify.channels.masking import mask_openid
from qingling.wechat import STALE_TOKEN_ERRORS, WechatApi, WechatUnavailable

log = structlog.get_logger(__name__)

# How long a keyword's value may be, by its type (the keyword's name before its number: thing1, phrase3).
KEYWORD_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "number": 32, "letter": 32, "name": 10}
_KEYWORD = re.compile(r"^([a-z_]+?)(\d+)$")

SEND_PATH = "/cgi-bin/message/subscribe/send"
USER_REFUSED = 43101  # the user refused, or has no authorisation left for this template
REFUSED_ERRORS = frozenset({USER_REFUSED, 40003})  # 40003: not an openid of this app
RETRY_ERRORS = frozenset({-1, 45009, 45011, *STALE_TOKEN_ERRORS})  # busy; daily quota; too frequent; token


class WechatSubscription(Adapter):
    name: ClassVar[ChannelName] = ChannelName.WECHAT

    def __init__(
        self,
        wechat: WechatApi,
        templates: Mapping[str, str],
        miniprogram_state: Literal["developer", "trial", "formal"] = "formal",
        template_data: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._wechat = wechat
        self._templates = dict(templates)
        self._state = miniprogram_state
        self._data = {kind: dict(fields) for kind, fields in (template_data or {}).items()}

    def handles(self, kind: str) -> bool:
        return kind in self._templates

    def template_id(self, kind: str) -> str | None:
        """The template a user must have authorised (``wx.requestSubscribeMessage``) for ``kind``."""
        return self._templates.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._templates)

    def kinds_of(self, template_id: str) -> list[str]:
        """The kinds sent on ``template_id`` (several may share one template and its authorisations)."""
        return sorted(kind for kind, template in self._templates.items() if template == template_id)

    def data(self, kind: str, params: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """The template's data: each keyword with the variable it shows (``wechat_template_data``),
        cut to its type's length (a ``thing`` 20 characters, a ``phrase`` 5 …) as WeChat refuses
        longer values. A kind without a mapping sends its variables as they are, keyed so already."""
        fields = self._data.get(kind)
        if fields is None:
            return {key: {"value": value} for key, value in params.items()}
        data = {}
        for keyword, variable in fields.items():
            value = str(params.get(variable, ""))
            found = _KEYWORD.match(keyword)
            limit = KEYWORD_LIMITS.get(found[1]) if found else None
            data[keyword] = {"value": value[:limit] if limit else value}
        return data

    async def send(self, message: Message) -> Sent:
        template = self._templates.get(message.kind)
        if template is None:
            raise SendFailed(Failure.REJECTED, self.name, "no-template", f"没有为 {message.kind} 配置订阅消息模板")
        body: dict[str, Any] = {
            "touser": message.to,
            "template_id": template,
            "data": self.data(message.kind, message.params),
            "miniprogram_state": self._state,
            "lang": "zh_CN",
        }
        if message.page:
            body["page"] = message.page
        masked = mask_openid(message.to)
        try:
            answer = await self._wechat.call(SEND_PATH, body)
        except WechatUnavailable as exc:
            log.warning("wechat message not sent", to=masked, kind=message.kind, error=str(exc))
            raise SendFailed(Failure.RETRY, self.name, "unavailable", str(exc)) from exc
        errcode = answer.get("errcode") or 0
        if not errcode:
            log.info("wechat message sent", to=masked, kind=message.kind, msgid=answer.get("msgid"))
            msgid = answer.get("msgid")
            return Sent(self.name, str(msgid) if msgid is not None else None)
        if errcode in REFUSED_ERRORS:
            failure = Failure.REFUSED
        elif errcode in RETRY_ERRORS:
            failure = Failure.RETRY
        else:
            failure = Failure.REJECTED  # template, page or data the template does not take: a person
        log.warning("wechat message refused", to=masked, kind=message.kind, errcode=errcode, failure=failure)
        raise SendFailed(failure, self.name, str(errcode), str(answer.get("errmsg", ""))[:200])
