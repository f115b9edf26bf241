"""SMS through Aliyun's ``SendSms`` (dysmsapi, Version 2017-05-25), signed with the RPC signature
(HMAC-SHA1, SignatureVersion 1.0) as its documentation describes:
https://help.aliyun.com/document_detail/101343.html (短信服务 › 签名机制).

The request is a form POST, so the number travels in the body and never in a URL that a proxy or
an access log keeps. Only approved templates are sent: a kind without a template code in
``QL_NOTIFY_SMS_TEMPLATES`` is not this channel's. ``OutId`` carries the caller's reference, which
Aliyun echoes in its delivery receipts.

Answers: HTTP 200 with ``Code`` "OK" and a ``BizId``; a refusal of the message (``isv.…``) also
comes with HTTP 200; the gateway's (signature, key, throttling) with 4xx/5xx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import quote

import httpx
import structlog

from notify.channels.base import Adapter, ChannelName, Failure, Message, SendFailed, Sent
from notify.channels.masking import mask_phone

log = structlog.get_logger(__name__)

API_VERSION = "2017-05-25"

# Not now, but later: the provider's own trouble and its flow control (per number: a minute, an
# hour, a day), and a timestamp or nonce a retry makes anew.
RETRY_CODES = frozenset(
    {
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY",  # a permission being granted still propagates
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",  # the account is in arrears: sends resume once it is topped up
        "isv.AMOUNT_NOT_ENOUGH",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
        "InvalidTimeStamp.Expired",
        "SignatureNonceUsed",
    }
)
# The number cannot take this message: the recipient's next channel.
REFUSED_CODES = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.DENY_IP_RANGE"})


def percent_encode(value: str) -> str:
    """RFC 3986 as the RPC signature wants it: only A-Z a-z 0-9 - _ . ~ unencoded, a space as %20."""
    return quote(value, safe="-_.~")


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64(HMAC-SHA1(secret + "&", method & %2F & percentEncode(canonical query)))."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms(Adapter):
    name: ClassVar[ChannelName] = ChannelName.SMS

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        region_id: str = "cn-hangzhou",
    ) -> None:
        self._http = http  # its base URL is the endpoint (QL_NOTIFY_SMS_BASE_URL)
        self._access_key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._region_id = region_id

    def handles(self, kind: str) -> bool:
        return kind in self._templates

    async def send(self, message: Message) -> Sent:
        template = self._templates.get(message.kind)
        if template is None:
            raise SendFailed(Failure.REJECTED, self.name, "no-template", f"没有为 {message.kind} 配置短信模板")
        params = self._signed(message, template)
        masked = mask_phone(message.to)
        try:
            response = await self._http.post("/", data=params)
            answer = json.loads(response.text)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("sms not sent", to=masked, kind=message.kind, error=type(exc).__name__)
            raise SendFailed(Failure.RETRY, self.name, type(exc).__name__, "短信平台无应答") from exc
        code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
        if response.status_code == 200 and code == "OK":
            log.info("sms sent", to=masked, kind=message.kind, biz_id=answer.get("BizId"))
            return Sent(self.name, str(answer.get("BizId") or "") or None)
        failure = _failure(code, response.status_code)
        detail = str(answer.get("Message", "")) if isinstance(answer, dict) else ""
        status = response.status_code
        log.warning("sms refused", to=masked, kind=message.kind, code=code, failure=failure, status=status)
        raise SendFailed(failure, self.name, code or f"HTTP {status}", detail, status)

    def _signed(self, message: Message, template: str) -> dict[str, str]:
        params = {
            "AccessKeyId": self._access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.to,
            "RegionId": self._region_id,
            "SignName": self._sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            # The wall clock, not the steerable one: Aliyun refuses a timestamp 15 minutes off.
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if message.params:
            params["TemplateParam"] = json.dumps(dict(message.params), ensure_ascii=False, separators=(",", ":"))
        if message.reference:
            params["OutId"] = message.reference
        params["Signature"] = rpc_signature("POST", params, self._secret)
        return params


def _failure(code: str, status: int) -> Failure:
    if status >= 500 or status in (408, 429) or code in RETRY_CODES or code.startswith(("isp.", "Throttling")):
        return Failure.RETRY
    if code in REFUSED_CODES:
        return Failure.REFUSED
    return Failure.REJECTED  # signature, key, template, parameters: a person reads the code
