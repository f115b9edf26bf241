"""RFC 9457 problem details: one exception class per problem, one handler for every service.

Every error a client can see is a subclass of ``QinglingError`` with a stable ``code``, an HTTP
``status`` and a Chinese ``title`` a clerk can act on. The classes form the published error
catalogue (``GET /api/v1/<service>/problems``), and routes list the ones they may raise with
``responses=problem_responses(...)`` so Swagger shows the real shapes.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    location: str = Field(description="出错位置：body / query / path / header")
    field: str = Field(description="出错字段的 JSON Pointer（RFC 6901），如 /items/3/basis_clause")
    message: str = Field(description="中文说明")


class Problem(BaseModel):
    """错误响应（RFC 9457 application/problem+json）。"""

    model_config = ConfigDict(extra="allow")  # extension members, e.g. OAuth 2 `error`

    type: str = Field(description="问题类型 URI，可访问以查看说明")
    title: str = Field(description="问题类型的中文标题")
    status: int
    detail: str | None = Field(default=None, description="本次错误的中文说明")
    instance: str | None = Field(default=None, description="出错的请求路径")
    code: str = Field(description="稳定的机器可读错误码")
    errors: list[FieldError] = Field(default_factory=list, description="逐字段的错误")


class QinglingError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "服务器内部错误"
    headers: ClassVar[dict[str, str]] = {}
    catalogue: ClassVar[dict[str, type[QinglingError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if (known := QinglingError.catalogue.get(cls.code)) and known is not cls:
                raise TypeError(f"error code {cls.code!r} is used by {known.__qualname__} already")
            QinglingError.catalogue[cls.code] = cls

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors)
        self.headers = {**type(self).headers, **(headers or {})}
        self.extensions = extensions or {}  # extra members of the body (RFC 9457 §3.2)

    def to_problem(self, request: Request) -> Problem:
        return Problem(
            type=problem_type_uri(request, self.code),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=request.url.path,
            code=self.code,
            errors=self.errors,
            **self.extensions,
        )


QinglingError.catalogue[QinglingError.code] = QinglingError


class BadRequest(QinglingError):
    status, code, title = 400, "bad-request", "请求格式不正确"


class MalformedBody(BadRequest):
    code, title = "malformed-body", "请求体无法解析（不是合法的 JSON 或表单），请检查格式与编码（UTF-8）"


class Unauthorized(QinglingError):
    status, code, title = 401, "unauthorized", "未登录或登录已失效，请重新登录"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Forbidden(QinglingError):
    status, code, title = 403, "forbidden", "无权进行此操作"


class NotFound(QinglingError):
    status, code, title = 404, "not-found", "要找的记录不存在或不在您的管辖范围内"


class RouteNotFound(QinglingError):
    status, code, title = 404, "route-not-found", "接口地址不存在，请核对 URL"


class MethodNotAllowed(QinglingError):
    status, code, title = 405, "method-not-allowed", "该接口不支持此请求方法"


class Conflict(QinglingError):
    status, code, title = 409, "conflict", "与当前数据状态冲突，请刷新后重试"


class PayloadTooLarge(QinglingError):
    status, code, title = 413, "payload-too-large", "提交的内容过大，请分批提交"


class UnsupportedMediaType(QinglingError):
    status, code, title = 415, "unsupported-media-type", "不支持的内容类型"


class UnsupportedBodyType(UnsupportedMediaType):
    code, title = (
        "unsupported-body-type",
        "请求体的 Content-Type 与接口不符（应为 application/json，上传文件用 multipart/form-data）",
    )


class ValidationFailed(QinglingError):
    status, code, title = 422, "validation-failed", "提交的数据有误，请按提示修改后重新提交"

    @classmethod
    def for_field(cls, field: str, message: str, location: str = "body") -> ValidationFailed:
        pointer = field if field.startswith("/") else "/" + field.replace(".", "/")
        return cls(message, errors=[FieldError(location=location, field=pointer, message=message)])


class TooManyRequests(QinglingError):
    status, code, title = 429, "too-many-requests", "操作过于频繁，请稍后再试"


class ServiceUnavailable(QinglingError):
    status, code, title = 503, "service-unavailable", "服务暂时不可用，请稍后重试"


class DatabaseConflict(ServiceUnavailable):
    code, title = "database-conflict", "数据正被同时修改，本次操作未生效，请稍后重试"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class DatabaseBusy(ServiceUnavailable):
    code, title = "database-busy", "数据库繁忙，本次操作未生效，请稍后重试"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


# PostgreSQL ends a transaction so that a concurrent one can go on — deadlock_detected,
# serialization_failure: the same request, sent again, is expected to pass.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
# PostgreSQL ended a statement at the service's limits (settings: database_lock_timeout_seconds,
# database_statement_timeout_seconds) — lock_not_available, query_canceled: the data was held, or
# the database slow, for longer than a request may wait; later the same request is expected to pass.
BUSY_SQLSTATES = frozenset({"55P03", "57014"})


_HTTP_STATUS_ERRORS: dict[int, type[QinglingError]] = {
    400: MalformedBody,  # FastAPI raises 400 only when it cannot parse a request body
    401: Unauthorized,
    403: Forbidden,
    404: RouteNotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: TooManyRequests,
    503: ServiceUnavailable,
}

# Pydantic error types → a message a clerk can act on. ``{…}`` takes the error's context.
_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "必填项，不能为空",
    "extra_forbidden": "不认识的字段，请删除",
    "string_type": "应为文本",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "enum": "取值应为以下之一：{expected}",
    "literal_error": "取值应为以下之一：{expected}",
    "date_type": "应为日期，如 2024-09-30",
    "date_parsing": "日期格式不正确，应如 2024-09-30",
    "date_from_datetime_parsing": "日期格式不正确，应如 2024-09-30",
    "datetime_type": "应为时间，如 2024-09-30T17:00:00+08:00",
    "datetime_parsing": "时间格式不正确，应如 2024-09-30T17:00:00+08:00",
    "datetime_from_date_parsing": "时间格式不正确，应如 2024-09-30T17:00:00+08:00",
    "timezone_aware": "时间须带时区，如 +08:00",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_parsing": "网址格式不正确",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
    "list_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多允许 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "value_error": "{error}",
    "assertion_error": "{error}",
}


def _chinese_message(error: dict[str, Any]) -> str:
    template = _VALIDATION_MESSAGES.get(error["type"])
    if template is None:
        return f"格式不正确（{error['msg']}）"
    context = {key: value for key, value in (error.get("ctx") or {}).items()}
    if "error" in context:  # a ValueError raised by our own validators: keep its words only
        context["error"] = str(context["error"]).removeprefix("Value error, ")
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template


def field_errors(raw_errors: Iterable[dict[str, Any]], location: str | None = None) -> list[FieldError]:
    """Pydantic errors as field errors. Request errors carry their location (body, query …) as
    the first element of ``loc``; for a model validated elsewhere, pass ``location``."""
    result = []
    for error in raw_errors:
        loc = (location, *error["loc"]) if location else error["loc"] or ("body",)
        location_of_error, *path = loc
        pointer = "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)
        result.append(FieldError(location=str(location_of_error), field=pointer, message=_chinese_message(error)))
    return result


@functools.cache
def _import_everything(package_name: str) -> None:
    package = importlib.import_module(package_name)
    for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
        importlib.import_module(module.name)


def problem_type_uri(request: Request, code: str) -> str:
    # Relative reference (RFC 3986 §4.2): dereferenceable behind the gateway and in embedded mode.
    return f"{request.app.state.service.prefix}/problems/{code}"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(QinglingError)
    async def _qingling_error(request: Request, exc: QinglingError) -> JSONResponse:
        return problem_response(exc.to_problem(request), headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (refusal := _unreadable_body(request, exc)) is not None:
            return problem_response(refusal.to_problem(request))
        # A route may check its business rules on the parts of the body that are well-formed
        # (``request.state.rule_errors``), so one 422 names every error, not the format ones first.
        errors = field_errors(exc.errors()) + list(getattr(request.state, "rule_errors", []))
        detail = "；".join(f"{e.field or e.location}：{e.message}" for e in errors[:5])
        return problem_response(ValidationFailed(detail, errors=errors).to_problem(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error_class = _HTTP_STATUS_ERRORS.get(exc.status_code)
        if error_class is None:
            phrase = HTTPStatus(exc.status_code).phrase
            problem = Problem(
                type="about:blank",
                title=phrase,
                status=exc.status_code,
                instance=request.url.path,
                code=f"http-{exc.status_code}",
            )
        else:
            problem = error_class().to_problem(request)
        return problem_response(problem, headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in BUSY_SQLSTATES:
            log.warning("statement ended at the database's limits", path=request.url.path, sqlstate=sqlstate)
            busy = DatabaseBusy("数据正被其他操作占用或数据库响应过慢，本次操作已撤销，未作任何更改；请稍后重新提交")
            return problem_response(busy.to_problem(request), headers=busy.headers)
        if sqlstate not in CONFLICT_SQLSTATES:
            raise exc  # a bug: the 500 below
        # Rolled back whole, so nothing happened: a 503 the client (or the outbox relay) retries.
        # Logged all the same — locks taken in different orders are a bug to fix.
        log.warning("transaction lost a database conflict", path=request.url.path, exc_info=exc)
        conflict = DatabaseConflict("其他操作正在同时修改相同的数据，本次操作已撤销，未作任何更改；请稍后重新提交")
        return problem_response(conflict.to_problem(request), headers=conflict.headers)

    @app.exception_handler(PoolTimeout)
    async def _no_connection(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection of the pool (settings: database_pool_size + database_max_overflow) was
        # in use for database_pool_timeout_seconds: overload, to be retried, never a 500.
        log.warning("no database connection free", path=request.url.path)
        busy = DatabaseBusy("当前访问量过大，本次操作未执行；请稍后重新提交")
        return problem_response(busy.to_problem(request), headers=busy.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Still a 500: an unexpected exception is a bug, never bad input.
        log.exception("unhandled error", path=request.url.path)
        return problem_response(QinglingError().to_problem(request))


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _unreadable_body(request: Request, exc: RequestValidationError) -> QinglingError | None:
    """A body that is not JSON at all (400) or sent as another media type than the route reads
    (415) is refused as such, not as a list of field errors."""
    malformed = [e for e in exc.errors() if e["type"] in {"json_invalid", "json_type"}]
    if malformed:
        position = (malformed[0].get("ctx") or {}).get("error", "")
        return MalformedBody(f"请求体不是合法的 JSON：{position}" if position else None)
    route, sent = request.scope.get("route"), request.headers.get("content-type", "")
    body_field = getattr(route, "body_field", None)
    if body_field is None or not sent or not any(e["loc"][:1] == ("body",) for e in exc.errors()):
        return None
    reads_form = isinstance(body_field.field_info, params.Form)  # File is a Form
    expected = _FORM_TYPES if reads_form else ("application/json",)
    media_type = sent.split(";")[0].strip().lower()
    if media_type in expected or (not reads_form and media_type.endswith("+json")):
        return None
    return UnsupportedBodyType(f"此接口的请求体应为 {' 或 '.join(expected)}，收到的是 {media_type}")


def problem_responses(*errors: type[QinglingError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the problems a route can answer with."""
    by_status: dict[int, list[type[QinglingError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    return {
        status: {
            "description": " / ".join(error.title for error in group),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {error.code: {"summary": error.title, "value": _example(error)} for error in group},
                }
            },
        }
        for status, group in sorted(by_status.items())
    }


def _example(error: type[QinglingError]) -> dict[str, Any]:
    return {"type": f"…/problems/{error.code}", "title": error.title, "status": error.status, "code": error.code}


def catalogue_for(packages: Sequence[str]) -> list[type[QinglingError]]:
    """The problems a service can answer with: the shared ones plus those its packages define.
    Every module of those packages is imported first, so the answer does not depend on what
    happened to be imported already."""
    owners = ("qingling", *packages)
    for owner in owners:
        _import_everything(owner)
    return sorted(
        (cls for cls in QinglingError.catalogue.values() if cls.__module__.split(".")[0] in owners),
        key=lambda cls: (cls.status, cls.code),
    )
