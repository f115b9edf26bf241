"""Embedded mode: the four unmodified service apps in one process, on one port.

Every route of a service already carries the service's public prefix, so requests are handed to
the right app with the scope untouched (a Starlette ``Mount`` would strip the prefix and skip
the sub-apps' lifespans). Calls between services go through an in-process ASGI transport to the
same dispatcher: the code path is the one used behind nginx, minus the sockets.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from qingling.settings import Environment
from qlstack.index import index_html
from qlstack.services import SERVICE_NAMES, service_module
from qlweb import owns, pages_app


class EmbeddedDispatcher:
    """An ASGI app that routes by path prefix to the service apps and runs their lifespans."""

    def __init__(self) -> None:
        self.apps: dict[str, FastAPI] = {}
        self.on_started: Callable[[], None] | None = None  # e.g. print the banner
        self._started: set[str] = set()  # prefixes of the apps whose start-up has finished
        self._pages = pages_app()

    def add(self, app: FastAPI) -> None:
        self.apps[app.state.service.prefix] = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
            return
        path: str = scope["path"]
        for prefix, app in self.apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                if prefix not in self._started and scope["type"] == "http":
                    # Another service's worker may call this one while it is still starting
                    # (migrating): that is "not yet", which the caller retries, not an error.
                    await self._starting(scope, send)
                    return
                await app(scope, receive, send)
                return
        if scope["type"] != "http":
            return
        if owns(path):
            await self._pages(scope, receive, send)
        else:
            await (self._index if path == "/" else self._not_found)(scope, send)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for prefix, app in self.apps.items():
                await stack.enter_async_context(app.router.lifespan_context(app))
                self._started.add(prefix)
            try:
                yield
            finally:
                self._started.clear()

    def demo_lines(self) -> list[str]:
        return [line for app in self.apps.values() for line in getattr(app.state, "demo_lines", [])]

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            async with self.lifespan():
                await send({"type": "lifespan.startup.complete"})
                if self.on_started is not None:
                    self.on_started()
                message = await receive()
                assert message["type"] == "lifespan.shutdown"
        except BaseException as exc:
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    async def _index(self, scope: Scope, send: Send) -> None:
        demo = any(app.state.settings.environment is Environment.DEMO for app in self.apps.values())
        page = index_html((app.state.service for app in self.apps.values()), demo=demo)
        await _respond(send, 200, "text/html; charset=utf-8", page.encode())

    async def _not_found(self, scope: Scope, send: Send) -> None:
        await _problem(send, scope, 404, "route-not-found", "接口地址不存在，请核对 URL")

    async def _starting(self, scope: Scope, send: Send) -> None:
        await _problem(send, scope, 503, "service-starting", "服务正在启动，请稍后重试", retry_after=1)


async def _problem(send: Send, scope: Scope, status: int, code: str, title: str, retry_after: int | None = None):
    problem = {"type": "about:blank", "title": title, "status": status, "instance": scope["path"], "code": code}
    body = json.dumps(problem | {"errors": []}, ensure_ascii=False).encode()
    extra = [(b"retry-after", str(retry_after).encode())] if retry_after else []
    await _respond(send, status, "application/problem+json", body, extra)


async def _respond(send: Send, status: int, content_type: str, body: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def build_embedded(
    data_dir: Path,
    *,
    environment: Environment = Environment.DEMO,
    load_demo_data: bool = True,
    clock_file: Path | None = None,
    **overrides: Any,
) -> EmbeddedDispatcher:
    """All four services on SQLite files under ``data_dir``, wired to each other in-process."""
    dispatcher = EmbeddedDispatcher()
    transport = httpx.ASGITransport(app=dispatcher)
    for name in SERVICE_NAMES:
        module = service_module(name)
        settings = module.service.settings_class(
            environment=environment,
            data_dir=data_dir,
            load_demo_data=load_demo_data,
            clock_file=clock_file,
            **overrides,
        )
        dispatcher.add(module.create_app(settings, peer_transport=transport))
    return dispatcher
