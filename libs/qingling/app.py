"""The application factory every service uses: one call builds a complete, composable app."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, Literal

import httpx
import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy import text
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from qingling.auth.access import (
    ANY_SCOPE,
    InsufficientScope,
    NotSignedIn,
    RoleNotAllowed,
    ScrapeToken,
    allow,
    public,
)
from qingling.auth.jwt import InvalidToken
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scopes import ServiceScope
from qingling.contract import openapi_document
from qingling.db import DbSession
from qingling.delivery import listen_for_doorbells
from qingling.docs import mount_docs
from qingling.errors import (
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
    add_exception_handlers,
    catalogue_for,
    problem_responses,
)
from qingling.events import EventEnvelope
from qingling.idempotency import APIRouter, forget_old_answers, idempotency
from qingling.inbox import EventBatch, EventBatchReceipt, EventReceipt, ForeignEventSource, receive, receive_many
from qingling.inputs import RefuseDuplicateKeys, RequestClock
from qingling.logs import configure_logging
from qingling.methods import MethodGuard
from qingling.metrics import ServiceMetrics
from qingling.migrations import is_at_head, prepare_database
from qingling.outbox import (
    OutboxEventNotFound,
    OutboxEventNotParked,
    OutboxNationalAdminsOnly,
    OutboxRelay,
    ParkedEvent,
    parked,
    resend_parked,
)
from qingling.runtime import CurrentRuntime, Runtime, Service, open_runtime
from qingling.schemas import Schema, Timestamp
from qingling.settings import Environment, ServiceSettings
from qingling.sweeps import sweep

log = structlog.get_logger(__name__)


class Health(Schema):
    status: Literal["ok"] = "ok"
    service: str
    now: Timestamp


class Readiness(Schema):
    status: Literal["ready"] = "ready"
    service: str
    database: Literal["ok"] = "ok"
    migrations: Literal["at-head"] = "at-head"


class ProblemType(Schema):
    code: str
    status: int
    title: str


class NotReady(ServiceUnavailable):
    code, title = "not-ready", "服务尚未就绪（数据库不可达或迁移未完成）"


class ProblemTypeNotFound(NotFound):
    code, title = "problem-type-not-found", "没有这个错误码"


def create_service_app(
    service: Service,
    settings: ServiceSettings | None = None,
    *,
    peer_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or service.settings_class()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_format, settings.log_level)
        async with open_runtime(service, settings, peer_transport) as runtime:
            app.state.runtime = runtime
            if settings.migrate_on_start:
                app.state.demo_lines = await prepare_database(runtime)
            with settled_startup_heap():
                async with background_workers(runtime, enabled=settings.run_workers):
                    yield

    app = FastAPI(
        title=service.title,
        description=service.description,
        version=service.version,
        openapi_url=f"{service.prefix}/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.service = service
    app.state.settings = settings
    app.state.metrics = ServiceMetrics(app, service.prefix)
    add_exception_handlers(app)
    app.add_middleware(MethodGuard)  # 405 with a complete Allow, before routing (inside CORS)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RefuseDuplicateKeys)  # the one place JSON bodies are checked for repeated keys
    app.add_middleware(RequestClock)  # the service clock's "now" for the bounds of input times
    app.add_middleware(CorrelationIdMiddleware)
    if settings.trusted_proxies:  # the client a trusted proxy names (qingling.limits.client_address)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(net) for net in settings.trusted_proxies])
    app.include_router(_platform_router(service), prefix=service.prefix)
    for router in service.routers:
        app.include_router(router, prefix=service.prefix)
    mount_docs(app, service.prefix, service.title, demo=settings.environment is Environment.DEMO)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


@contextmanager
def settled_startup_heap() -> Iterator[None]:
    """What start-up built (routes, schemas, models, catalogues, demo data) lives as long as the
    app: it is moved out of the cyclic collector's reach while the app runs, so a full collection
    scans only what requests made since. A 1,000-hazard batch allocates enough to trigger full
    collections; over the whole start-up heap each took ~0.5 s in embedded mode (two in three
    batches: a third of the batch's time), ~10 ms after this. Given back at shutdown, so a
    process that starts many apps (the tests) can still collect the ones it stopped."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


FORGET_OLD_ANSWERS = sweep("forget_old_idempotency_answers", forget_old_answers)


@asynccontextmanager
async def background_workers(runtime: Runtime, *, enabled: bool = True) -> AsyncIterator[None]:
    """Run the platform's workers (the outbox relay, the idempotency answers' retention) and the
    service's own for the duration of the block."""
    loops = [
        OutboxRelay(runtime).run_forever,
        lambda: FORGET_OLD_ANSWERS(runtime),
        *(lambda w=w: w(runtime) for w in runtime.service.workers),
        lambda: listen_for_doorbells(runtime),  # woken by commits in other processes (PostgreSQL)
    ]
    tasks = [asyncio.create_task(loop()) for loop in loops] if enabled else []
    try:
        yield
    finally:
        runtime.stop()
        if tasks:
            left = max(0.0, (runtime.stop_deadline or 0.0) - asyncio.get_running_loop().time())
            log.info("background workers stopping", service=runtime.service.name, seconds_left=round(left, 1))
            _, stuck = await asyncio.wait(tasks, timeout=left)
            for task in stuck:  # e.g. a delivery still waiting on a slow peer: its leases are given back
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


# The parked outbox events: admins, narrowed to the national level by ``qingling.outbox``.
AdminOfTheNation = Annotated[Principal, allow(Role.ADMIN)]


def _platform_router(service: Service) -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.get("/healthz", summary="存活检查", dependencies=[public()])
    async def healthz(runtime: CurrentRuntime) -> Health:
        """进程存活即返回 200，并给出服务当前时间（测试环境下为受控时钟的时间）。"""
        return Health(service=service.name, now=runtime.clock.now())

    @router.get("/readyz", summary="就绪检查", responses=problem_responses(NotReady), dependencies=[public()])
    async def readyz(runtime: CurrentRuntime) -> Readiness:
        """数据库可达且数据库结构已迁移到最新版本时返回 200，否则 503。"""
        await check_ready(runtime)
        return Readiness(service=service.name)

    @router.get("/metrics", include_in_schema=False, dependencies=[Depends(ScrapeToken())])
    async def metrics(runtime: CurrentRuntime, request: Request) -> Response:
        return await request.app.state.metrics.render(runtime)

    @router.get("/problems", summary="错误码目录", dependencies=[public()])
    async def problem_catalogue() -> list[ProblemType]:
        """本服务可能返回的全部错误类型（RFC 9457 problem 的 `code`）。"""
        return [ProblemType(code=c.code, status=c.status, title=c.title) for c in catalogue_for([service.package])]

    @router.get(
        "/problems/{code}",
        summary="错误码说明",
        responses=problem_responses(ProblemTypeNotFound),
        dependencies=[public()],
    )
    async def problem_type(code: str) -> ProblemType:
        """problem 响应中 `type` 字段指向的说明。"""
        for error in catalogue_for([service.package]):
            if error.code == code:
                return ProblemType(code=error.code, status=error.status, title=error.title)
        raise ProblemTypeNotFound(f"错误码 {code} 不存在")

    @router.get("/whoami", summary="我是谁", responses=problem_responses(NotSignedIn, InvalidToken))
    async def whoami(caller: Annotated[Principal, allow(scope=ANY_SCOPE)]) -> Principal:
        """本服务从登录凭证中看到的调用者：角色、辖区、部门、企业。对接时用于核对令牌。"""
        return caller

    @router.post(
        "/events",
        summary="接收事件（服务间调用）",
        responses=problem_responses(
            ValidationFailed, NotSignedIn, RoleNotAllowed, InsufficientScope, ForeignEventSource
        ),
        openapi_extra=idempotency("by-event-id"),
    )
    async def receive_event(
        envelope: EventEnvelope,
        session: DbSession,
        caller: Annotated[Principal, allow(Role.SERVICE, scope=ServiceScope.EVENTS)],
    ) -> EventReceipt:
        """由其他服务的 outbox 投递，每个服务只能投递自己发出的事件。
        按事件 ID 去重：重复投递返回 `duplicate`，不会重复处理。"""
        return await receive(session, caller, envelope, service.event_handlers)

    @router.post(
        "/events/batch",
        summary="批量接收事件（服务间调用）",
        responses=problem_responses(ValidationFailed, NotSignedIn, RoleNotAllowed, InsufficientScope),
        openapi_extra=idempotency("by-event-id"),
    )
    async def receive_events(
        batch: EventBatch,
        request: Request,
        session: DbSession,
        caller: Annotated[Principal, allow(Role.SERVICE, scope=ServiceScope.EVENTS)],
    ) -> EventBatchReceipt:
        """一次投递多条事件（如企业一次批量上报的 1,000 条隐患各自的事件），在一个事务中逐条处理，
        结果与提交顺序一一对应：每条与单条投递（`POST …/events`）相同地去重、校验和处理；
        某条被拒绝只撤销这一条（结果为 `refused` 并附错误），其余照常生效。"""
        return await receive_many(
            session, caller, batch, service.event_handlers, request, service.batch_event_handlers,
            service.batch_event_locks,
        )  # fmt: skip

    @router.get(
        "/outbox/parked",
        summary="搁置的事件",
        responses=problem_responses(NotSignedIn, RoleNotAllowed, OutboxNationalAdminsOnly),
    )
    async def parked_events(caller: AdminOfTheNation, session: DbSession) -> list[ParkedEvent]:
        """本服务发出、被接收服务拒绝（4xx，如数据不符合其规则、事件类型未知）或重试次数用尽而搁置的事件，
        不再自动重试。仅国家级（000000）系统管理员可用：事件涉及全国各地的数据；举报转隐患被搁置的，
        主办部门在举报上即可看到并更正重发。"""
        return [ParkedEvent.model_validate(row, from_attributes=True) for row in await parked(session, caller)]

    @router.post(
        "/outbox/{message_id}/resend",
        summary="重发搁置的事件",
        status_code=202,
        responses=problem_responses(
            NotSignedIn, RoleNotAllowed, OutboxNationalAdminsOnly, OutboxEventNotFound, OutboxEventNotParked
        ),
    )
    async def resend_parked_event(
        message_id: uuid.UUID, caller: AdminOfTheNation, session: DbSession, runtime: CurrentRuntime
    ) -> ParkedEvent:
        """排除原因（如接收服务的配置或数据）后重新投递，事件编号不变，接收方据此去重。"""
        row = await resend_parked(session, caller, message_id, runtime.clock.now())
        return ParkedEvent.model_validate(row, from_attributes=True)

    return router


async def check_ready(runtime: Runtime) -> None:
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        at_head = await is_at_head(runtime)
    except Exception as exc:  # the database is unreachable: that is what readyz reports
        raise NotReady(f"数据库不可达：{type(exc).__name__}") from exc
    if not at_head:
        raise NotReady("数据库结构未迁移到最新版本")


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _openapi(app: FastAPI) -> dict[str, Any]:
    if not app.openapi_schema:
        app.openapi_schema = openapi_document(app)
    return app.openapi_schema
