"""The input types every request schema and parameter uses, so bad input is refused at the door.

- ``DbId``: a database id — positive and within PostgreSQL's ``bigint`` (2^63−1), in a path,
  a query or a body alike (a bigger number is a 422, never an ``OverflowError``).
- ``Text``/``Line``: text NFC-normalised, refusing control characters (C0 but tab and line
  breaks, DEL, C1), bidi overrides and isolates, and text that is nothing but invisible
  characters (zero-width spaces and joiners, BOM, whitespace).
- ``HappenedAt``: a time at which something happened — not after now plus a small clock skew,
  not before 1949-10-01; ``FutureBound``/``BoundedDate``: dates within a bounded span.
  A number is never a time (``found_at: 0`` is not 1970).
- ``MobilePhone``/``Email``: a mainland mobile number (11 digits) and an e-mail address, as an
  SMS provider and an SMTP server take them.
- ``StrictBool``: ``true``/``false`` only, no 0/1 or "yes".
- ``not_null``: a PATCH field that may be left out but not set to ``null``.
- ``RefuseDuplicateKeys``: a JSON body naming the same key twice is a 422 naming the key, for
  every route of every service (installed by ``create_service_app``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, BeforeValidator, ValidationInfo, WithJsonSchema
from pydantic import StrictBool as _StrictBool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qingling.clock import SHANGHAI
from qingling.errors import FieldError, ValidationFailed, problem_response

MAX_DB_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1  # integer columns (people, amounts in yuan, days …)

DbId = Annotated[int, Ge(1), Le(MAX_DB_ID)]
"""A database id: 1 … 2^63−1 (PostgreSQL ``bigint``)."""

Count = Annotated[int, Ge(0), Le(MAX_COUNT)]

StrictBool = _StrictBool

# --- text -----------------------------------------------------------------------------------

_ALLOWED_CONTROLS = {"\t", "\n", "\r"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u2061", "\u2062", "\u2063", "\u2064"}


def _field(info: ValidationInfo | None) -> str:
    return info.field_name if info is not None and info.field_name else "文本"


# The first refused character in one regex search, not a Python loop over every character (a
# 1,000-hazard batch has ~30,000 of them): C0 controls but tab and line breaks, DEL and C1, bidi.
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_VISIBLE = re.compile("[^\\s" + "".join(sorted(_INVISIBLE)) + "]")  # \s: what str.isspace() calls space


def _refusal(value: str) -> str | None:
    if (found := _REFUSED.search(value)) is not None:
        char = found.group()
        if char in _BIDI_CONTROLS:
            return f"含有改变文字方向的控制字符 U+{ord(char):04X}，请删除"
        return f"含有控制字符 U+{ord(char):04X}，请删除"
    if value and _VISIBLE.search(value) is None:
        return "不能只有空白或不可见字符"
    return None


def clean_text(value: str, info: ValidationInfo | None = None) -> str:
    value = unicodedata.normalize("NFC", value)
    if (reason := _refusal(value)) is not None:
        raise ValueError(f"{_field(info)} {reason}")
    return value


def clean_line(value: str, info: ValidationInfo | None = None) -> str:
    """One line (a name, a title): as ``clean_text``, and no line breaks or tabs."""
    value = clean_text(value, info)
    if any(char in value for char in _ALLOWED_CONTROLS):
        raise ValueError(f"{_field(info)} 应为一行文字，不能含换行或制表符")
    return value


def clean_name(value: str, info: ValidationInfo | None = None) -> str:
    """A name (of a person, a department, an enterprise, a client): one line with at least one
    letter or Chinese character — "00" or "---" names nobody."""
    value = clean_line(value, info)
    if not any(unicodedata.category(char).startswith("L") for char in value):
        raise ValueError(f"{_field(info)} 不像一个名称：应含有汉字或字母")
    return value


Text = Annotated[str, AfterValidator(clean_text)]
"""Free text (may span lines)."""

Line = Annotated[str, AfterValidator(clean_line)]
"""A one-line text: a title, a document number."""

Name = Annotated[str, AfterValidator(clean_name)]
"""A name: one line, with at least one letter or Chinese character."""

# --- contacts ---------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# An address an SMTP server takes without SMTPUTF8: ASCII dot-atoms, a domain of labels with a TLD.
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def clean_mobile(value: str, info: ValidationInfo | None = None) -> str:
    if not _MOBILE.match(value):
        raise ValueError(f"{_field(info)} 应为 11 位中国大陆手机号码，如 13800000000（不加 +86、空格或横线）")
    return value


def clean_email(value: str, info: ValidationInfo | None = None) -> str:
    """An e-mail address, its domain lower-cased (the local part is the mail server's to judge)."""
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    if not (
        at
        and len(value) <= 254
        and len(local) <= 64
        and _EMAIL_LOCAL.match(local)
        and len(labels) >= 2
        and all(_EMAIL_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    ):
        raise ValueError(f"{_field(info)} 不是有效的电子邮箱地址，应形如 name@example.com（只含英文字母、数字和符号）")
    return f"{local}@{domain.lower()}"


MobilePhone = Annotated[
    str, AfterValidator(clean_mobile), WithJsonSchema({"type": "string", "pattern": _MOBILE.pattern})
]
"""A mainland China mobile number, 11 digits as an SMS provider takes it: 13800000000."""

Email = Annotated[
    str, AfterValidator(clean_email), WithJsonSchema({"type": "string", "format": "email", "maxLength": 254})
]
"""An e-mail address (ASCII, as SMTP without SMTPUTF8 takes it); the domain lower-cased."""

# --- times ------------------------------------------------------------------------------------

EPOCH = datetime(1949, 10, 1, tzinfo=SHANGHAI)
"""Nothing Qingling records happened before the People's Republic was founded."""
CLOCK_SKEW = timedelta(minutes=5)
MAX_FUTURE = timedelta(days=366 * 5)  # deadlines, plans and rules: at most five years ahead


_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")  # a Unix time in disguise, not a date


def _no_numbers(value: Any, info: ValidationInfo | None = None) -> Any:
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError(f"{_field(info)} 应为日期时间文本（如 2024-09-30T17:00:00+08:00），不能是数字")
    return value


def _no_numbers_date(value: Any, info: ValidationInfo | None = None) -> Any:
    if isinstance(value, bool | int | float):
        raise ValueError(f"{_field(info)} 应为日期文本（如 2024-09-30），不能是数字")
    if isinstance(value, str) and _NUMBER.match(value):
        raise ValueError(f"{_field(info)} 应为日期文本（如 2024-09-30），不能是数字")
    return value


_request_now: ContextVar[datetime | None] = ContextVar("qingling_request_now", default=None)


def _now() -> datetime:
    """The service clock's time at the start of the request (set by ``RequestClock``), else the wall clock."""
    return _request_now.get() or datetime.now(UTC)


def _assume_shanghai(value: datetime) -> datetime:
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def _in_span(value: datetime, info: ValidationInfo | None, *, future: timedelta) -> datetime:
    value = _assume_shanghai(value)
    if value < EPOCH:
        raise ValueError(f"{_field(info)} 不能早于 1949-10-01")
    if value > _now() + future:
        if future == CLOCK_SKEW:
            raise ValueError(f"{_field(info)} 是已经发生的时间，不能晚于当前时间")
        raise ValueError(f"{_field(info)} 不能晚于 {future.days // 366} 年之后")
    return value


def _happened(value: datetime, info: ValidationInfo) -> datetime:
    return _in_span(value, info, future=CLOCK_SKEW)


def _bounded(value: datetime, info: ValidationInfo) -> datetime:
    return _in_span(value, info, future=MAX_FUTURE)


def _bounded_date(value: date, info: ValidationInfo) -> date:
    if value < EPOCH.date():
        raise ValueError(f"{_field(info)} 不能早于 1949-10-01")
    if value > (_now() + MAX_FUTURE).date():
        raise ValueError(f"{_field(info)} 不能晚于 {MAX_FUTURE.days // 366} 年之后")
    return value


_SHOWN = WithJsonSchema({"type": "string", "format": "date-time"})
_SHOWN_DATE = WithJsonSchema({"type": "string", "format": "date"})

FILTER_END = datetime(2200, 1, 1, tzinfo=SHANGHAI)


def _filter_time(value: datetime, info: ValidationInfo) -> datetime:
    value = _assume_shanghai(value)
    if not EPOCH <= value < FILTER_END:
        raise ValueError(f"{_field(info)} 应在 1949-10-01 与 2199-12-31 之间")
    return value


def _filter_date(value: date, info: ValidationInfo) -> date:
    if not EPOCH.date() <= value < FILTER_END.date():
        raise ValueError(f"{_field(info)} 应在 1949-10-01 与 2199-12-31 之间")
    return value


QueryTime = Annotated[datetime, BeforeValidator(_no_numbers), AfterValidator(_filter_time), _SHOWN]
"""A time in a query filter: text (never a number), 1949-10-01 … 2199-12-31."""

QueryDate = Annotated[date, BeforeValidator(_no_numbers_date), AfterValidator(_filter_date), _SHOWN_DATE]
"""A date in a query filter: text (never a number), 1949-10-01 … 2199-12-31."""

HappenedAt = Annotated[datetime, BeforeValidator(_no_numbers), AfterValidator(_happened), _SHOWN]
"""When something happened (found, observed, paid): 1949-10-01 … now + 5 minutes."""

BoundedAt = Annotated[datetime, BeforeValidator(_no_numbers), AfterValidator(_bounded), _SHOWN]
"""A time in the past or a bounded future (a deadline, a filter): 1949-10-01 … now + 5 years."""

BoundedDate = Annotated[date, BeforeValidator(_no_numbers_date), AfterValidator(_bounded_date), _SHOWN_DATE]
"""A date in the past or a bounded future: 1949-10-01 … today + 5 years."""


# --- PATCH -------------------------------------------------------------------------------------


def _refuse_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"{_field(info)} 不能为 null；不修改就不要传这个字段")
    return value


not_null = BeforeValidator(_refuse_null)
"""For a PATCH field that may be omitted but not emptied: ``people: Annotated[int | None, not_null] = None``
(the default is not validated, so leaving the field out still works)."""


# --- duplicate JSON keys ------------------------------------------------------------------------


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def find_duplicate_key(body: bytes) -> str | None:
    """The first key a JSON object in ``body`` names twice, or None (also for invalid JSON,
    which the framework refuses on its own)."""
    try:
        json.loads(body, object_pairs_hook=_pairs)
    except DuplicateKey as exc:
        return exc.key
    except ValueError:  # not JSON, or not UTF-8: FastAPI answers that itself
        return None
    return None


_JSON = re.compile(rb"^application/([\w.+-]+\+)?json\b", re.IGNORECASE)
CHECKED_BODY_LIMIT = 16 * 1024 * 1024  # beyond this the body is passed on unchecked (uploads)


class RefuseDuplicateKeys:
    """ASGI middleware: a JSON request body with a key twice in one object gets a 422 naming
    the key, before any route sees it. One place for every route of every service."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if not _JSON.match(content_type):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size, complete = 0, False
        while size <= CHECKED_BODY_LIMIT:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                complete = True
                break
        if complete and (key := find_duplicate_key(b"".join(m.get("body", b"") for m in messages))):
            await self._refuse(scope, receive, send, key)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        message = f"字段 {key} 在同一个对象中出现了两次，请只保留一个"
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        error = DuplicateKeyInBody(message, errors=[FieldError(location="body", field=pointer, message=message)])
        await problem_response(error.to_problem(Request(scope, receive)))(scope, receive, send)


class DuplicateKeyInBody(ValidationFailed):
    code, title = "duplicate-key", "提交的 JSON 中同一字段出现了两次"


class RequestClock:
    """ASGI middleware: the service clock's time at the start of each request, for the bounds
    of ``HappenedAt`` and the other times (a validator cannot reach the runtime)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        if scope["type"] != "http" or runtime is None:
            await self.app(scope, receive, send)
            return
        token = _request_now.set(runtime.clock.now())
        try:
            await self.app(scope, receive, send)
        finally:
            _request_now.reset(token)
