"""405 Method Not Allowed that tells the whole truth.

Starlette answers a request whose path matches a route but not its method with 405 and the
methods of the *first* such route in ``Allow``, although the path may have more routes
(``GET`` and ``POST /hazards``). And a literal path shadowed by a parameter
(``POST /hazards/batch`` beside ``GET /hazards/{hazard_id}``) is routed to the parameter's
route when the method differs, so ``GET /hazards/batch`` answered 401 or 422 ("batch" is not an
id) instead of 405.

``MethodGuard`` decides before routing: the routes whose path matches the request are those
with that literal path if there are any (a literal segment names a different resource than a
parameter would), else the parametrised ones; when none takes the method, 405 with every
method they take in ``Allow``.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from qingling.errors import MethodNotAllowed, problem_response

RouteTable = list[tuple[re.Pattern[str], bool, frozenset[str]]]


def route_table(app: Any) -> RouteTable:
    """Each route of ``app`` (included routers flattened): its path pattern, whether the path
    has parameters, its methods."""
    table = []
    for context in iter_route_contexts(app.routes):
        methods = getattr(context, "methods", None)
        if context.path and methods:
            regex, _, convertors = compile_path(context.path)
            table.append((regex, bool(convertors), frozenset(methods)))
    return table


def allowed_methods(table: RouteTable, path: str) -> set[str]:
    """The methods the routes matching ``path`` take; literal paths shadow parametrised ones."""
    literal: set[str] = set()
    parametrised: set[str] = set()
    for regex, has_parameters, methods in table:
        if regex.match(path):
            (parametrised if has_parameters else literal).update(methods)
    return literal or parametrised


class MethodGuard:
    """ASGI middleware: 405 with a complete ``Allow`` for a method no route of the path takes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "app" in scope:
            state = scope["app"].state
            if getattr(state, "methods_of", None) is None:  # built at the first request: routes are all in
                # A path's methods are matched against every route: kept for the paths of the
                # moment (an id in a path makes many), not matched again on every request.
                state.methods_of = lru_cache(maxsize=4096)(partial(allowed_methods, route_table(scope["app"])))
            allowed = state.methods_of(scope["path"])
            if allowed and scope["method"] not in allowed:
                error = MethodNotAllowed(
                    f"{scope['path']} 不支持 {scope['method']}，可用的方法：{', '.join(sorted(allowed))}",
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
                response = problem_response(error.to_problem(Request(scope, receive)), headers=error.headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
