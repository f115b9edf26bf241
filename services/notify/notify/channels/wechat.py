"""WeChat subscription messages (订阅消息): ``POST /cgi-bin/message/subscribe/send`` with the
user's openid, the template id, the mini-program page it opens and the template's data
(``{"thing1": {"value": …}}``), on the app's access token (``qingling.wechat``: cached, a stale
one fetched again once and the send retried once).

A one-time subscription allows one message per tap on "allow"; a user who refused, or whose
authorisations are used up, answers 43101 — ``Failure.REFUSED``, so the caller falls back to the
recipient's next channel. The openid is logged masked and goes nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import structlog

from notify.channels.base import Adapter, ChannelName, Failure, Message, SendFailed, Sent
from notify.channels.masking import mask_openid
from qingling.wechat import STALE_TOKEN_ERRORS, WechatApi, WechatUnavailable

log = structlog.get_logger(__name__)

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
    ) -> None:
        self._wechat = wechat
        self._templates = dict(templates)
        self._state = miniprogram_state

    def handles(self, kind: str) -> bool:
        return kind in self._templates

    def template_id(self, kind: str) -> str | None:
        """The template a user must have authorised (``wx.requestSubscribeMessage``) for ``kind``."""
        return self._templates.get(kind)

    async def send(self, message: Message) -> Sent:
        template = self._templates.get(message.kind)
        if template is None:
            raise SendFailed(Failure.REJECTED, self.name, "no-template", f"没有为 {message.kind} 配置订阅消息模板")
        body: dict[str, Any] = {
            "touser": message.to,
            "template_id": template,
            "data": {key: {"value": value} for key, value in message.params.items()},
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
