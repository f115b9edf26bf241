"""A stand-in for Aliyun's SMS API (dysmsapi, ``SendSms``, Version 2017-05-25) that checks each
request as Aliyun does: the RPC signature (HMAC-SHA1, SignatureVersion 1.0) recomputed here with
this module's own implementation of the documented algorithm — not the adapter's — the access key,
a timestamp within 15 minutes, a nonce used once, the approved signature name and template, the
template's parameters and the number. It answers with Aliyun's shapes and codes, records what it
accepted (with the text as the phone would show it), and can be told to fail the next requests.

The algorithm, from https://help.aliyun.com/document_detail/101343.html (短信服务 › 签名机制):
sort the parameters but Signature by name; percent-encode names and values (RFC 3986: only
A-Z a-z 0-9 - _ . ~ left as they are, a space as %20, UTF-8 bytes as %XY); join as k=v with &;
StringToSign = HTTPMethod & percentEncode("/") & percentEncode(that query);
Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).

Run it for a demo: ``python -m standins.aliyun_sms --port 8701`` (from tests/support).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from string import Template

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
TIMESTAMP_TOLERANCE = timedelta(minutes=15)


def pop_encode(text: str) -> str:
    """Percent-encoding as the signature documentation states it, byte by byte."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def string_to_sign(method: str, params: dict[str, str]) -> str:
    pairs = sorted((name, value) for name, value in params.items() if name != "Signature")
    query = "&".join(pop_encode(name) + "=" + pop_encode(value) for name, value in pairs)
    return method.upper() + "&" + pop_encode("/") + "&" + pop_encode(query)


def signature(method: str, params: dict[str, str], access_key_secret: str) -> str:
    key = (access_key_secret + "&").encode("utf-8")
    mac = hmac.new(key, string_to_sign(method, params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


@dataclass(frozen=True)
class SmsTemplate:
    code: str
    content: str  # with ${name} variables, as approved

    @property
    def variables(self) -> set[str]:
        return {m[1] or m[2] for m in re.finditer(r"\$(?:\{(\w+)\}|(\w+))", self.content)}


@dataclass(frozen=True)
class AcceptedSms:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str | None
    biz_id: str
    text: str  # as the phone shows it: 【签名】 and the filled template


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int = 200  # Aliyun refuses a message with HTTP 200; its gateway with 4xx/5xx


# Failures to inject, as Aliyun answers them.
SYSTEM_ERROR = Refusal("isp.SYSTEM_ERROR", "系统错误")
THROTTLED = Refusal("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
SERVICE_UNAVAILABLE = Refusal("ServiceUnavailable", "The request has failed due to a temporary failure.", 503)
BAD_NUMBER = Refusal("isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")


@dataclass
class FakeAliyunSms:
    access_key_id: str = "LTAI-test-key"
    access_key_secret: str = "test-access-key-secret"
    sign_names: set[str] = field(default_factory=lambda: {"清零监管"})
    templates: dict[str, SmsTemplate] = field(default_factory=dict)
    accepted: list[AcceptedSms] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # every refusal answered, in order
    # answered to the next requests, in order — each to any number (None) or to the one it names
    failures: list[tuple[Refusal, str | None]] = field(default_factory=list)
    raw_requests: list[tuple[str, str, bytes]] = field(default_factory=list)  # method, URL, body
    used_nonces: set[str] = field(default_factory=set)

    def add_template(self, code: str, content: str) -> None:
        self.templates[code] = SmsTemplate(code, content)

    def fail_next(self, count: int = 1, refusal: Refusal = SYSTEM_ERROR, *, phone: str | None = None) -> None:
        """Refuse the next ``count`` messages — to ``phone`` only, when given: a test that means one
        recipient's message is then not at the mercy of another that happens to be sent first."""
        self.failures.extend([(refusal, phone)] * count)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self._endpoint, methods=["GET", "POST"])])

    async def _endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        self.raw_requests.append((request.method, str(request.url), body))
        params = dict(request.query_params)
        if request.method == "POST":
            params.update((await request.form()).items())  # type: ignore[arg-type]
        params = {name: str(value) for name, value in params.items()}
        refusal = self._check(request.method, params)
        if refusal is None:
            for index, (failure, phone) in enumerate(self.failures):
                if phone is None or phone == params.get("PhoneNumbers"):
                    refusal = failure
                    del self.failures[index]
                    break
        request_id = str(uuid.uuid4()).upper()
        if refusal is not None:
            self.refused.append(refusal)
            answer = {"RequestId": request_id, "Code": refusal.code, "Message": refusal.message}
            return JSONResponse(answer, status_code=refusal.status)
        template = self.templates[params["TemplateCode"]]
        values = json.loads(params.get("TemplateParam") or "{}")
        biz_id = f"{secrets.randbelow(10**18)}^0"
        text = f"【{params['SignName']}】" + Template(template.content).safe_substitute(values)
        self.accepted.append(
            AcceptedSms(
                params["PhoneNumbers"], params["SignName"], template.code, values, params.get("OutId"), biz_id, text
            )
        )
        return JSONResponse({"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id})

    def _check(self, method: str, params: dict[str, str]) -> Refusal | None:
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Action", "Version"):
            if not params.get(name):
                return Refusal("MissingParameter", f"{name} is mandatory for this action.", 400)
        if params["AccessKeyId"] != self.access_key_id:
            return Refusal("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return Refusal("InvalidParameter", "SignatureMethod or SignatureVersion is not supported.", 400)
        expected = signature(method, params, self.access_key_secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return Refusal("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
        try:
            sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return Refusal("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", 400)
        if abs(datetime.now(UTC) - sent_at) > TIMESTAMP_TOLERANCE:
            return Refusal("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
        if params["SignatureNonce"] in self.used_nonces:
            return Refusal("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        self.used_nonces.add(params["SignatureNonce"])
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return Refusal("InvalidAction.NotFound", "Specified api is not found.", 404)
        if params.get("SignName") not in self.sign_names:
            return Refusal("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        template = self.templates.get(params.get("TemplateCode", ""))
        if template is None:
            return Refusal("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        phones = params.get("PhoneNumbers", "").split(",")
        if not all(_MOBILE.match(phone) for phone in phones) or len(phones) != 1:
            return BAD_NUMBER
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return Refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return Refusal("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if template.variables - values.keys():
            return Refusal("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        if any(len(value) > 35 for value in values.values()):  # a notification's variable: 35 characters
            return Refusal("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        return None


def main() -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description="Aliyun SMS stand-in (SendSms, RPC signature checked)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--template", action="append", default=[], metavar="CODE=CONTENT")
    args = parser.parse_args()
    fake = FakeAliyunSms()
    for entry in args.template:
        code, _, content = entry.partition("=")
        fake.add_template(code, content)
    print(f"access key id {fake.access_key_id}, secret {fake.access_key_secret}, signs {sorted(fake.sign_names)}")
    uvicorn.run(fake.app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
