"""Access rules: every route declares who may call it.

    @router.get("/accounts")
    async def list_accounts(caller: Annotated[Principal, allow(Role.ADMIN)]) -> ...

    @router.post("/hazards", ...)
    async def create_hazard(caller: Annotated[Principal, allow(*STAFF, *ENTERPRISE, scope=Scope.HAZARDS_WRITE)])

    @router.get("/jwks.json", dependencies=[public()])

A rule authenticates the caller (bearer token, verified against the issuer's keys) and checks
the role; a client acting by itself (client credentials: an enterprise system, one of our
services) must also hold one of the route's scopes — a route that names none is for people only.
Jurisdiction and ownership are checked again in the services, where the data is.
``routes_without_rule()`` finds routes that declare nothing, so none slips through.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import OAuth2PasswordBearer
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from qingling.auth.principal import Principal
from qingling.auth.roles import PUBLIC_ACCESS, ROLES, Role
from qingling.auth.scopes import Scope, ServiceScope
from qingling.errors import Forbidden, NotFound, Unauthorized

TOKEN_PATH = "/api/v1/identity/oauth/token"
REVOCATIONS_PATH = "/api/v1/identity/revocations"

bearer_token = OAuth2PasswordBearer(
    tokenUrl=TOKEN_PATH,
    auto_error=False,
    description="用账号密码登录（password 授权）。企业系统请用 client_credentials 授权直接调用令牌接口。",
)


class NotSignedIn(Unauthorized):
    code, title = "not-signed-in", "请先登录（请求缺少 Authorization: Bearer 令牌）"


class ScrapeTokenRequired(Unauthorized):
    code, title = "scrape-token-required", "监控指标须凭抓取令牌（metrics_token）读取"


class MetricsNotEnabled(NotFound):
    code, title = "metrics-not-enabled", "本服务未配置监控抓取令牌，监控指标接口未开放"


class RoleNotAllowed(Forbidden):
    code, title = "role-not-allowed", "您的角色无权进行此操作"


class InsufficientScope(Forbidden):
    code, title = "insufficient-scope", "该 API 客户端未获此项授权（scope）"


async def verified_principal(request: Request, token: str) -> Principal:
    """The caller a bearer token names, verified once per request (an idempotency key's owner is
    known before the route's rule runs: ``qingling.idempotency``)."""
    verified = getattr(request.state, "verified_token", None)
    if verified is not None and verified[0] == token:
        return verified[1]
    principal = await request.app.state.runtime.verifier.verify(token)
    request.state.verified_token = (token, principal)
    return principal


# ``scope=ANY_SCOPE``: any client may call the route (e.g. ``whoami``), whatever it was granted.
ANY_SCOPE = "*"
RouteScopes = Scope | ServiceScope | tuple[Scope | ServiceScope, ...] | None


class AccessRule:
    """Marker base: a route is covered when its dependencies include an instance."""

    description: str


@dataclass(frozen=True)
class Public(AccessRule):
    description: str = f"{PUBLIC_ACCESS[0]}（{PUBLIC_ACCESS[1]}）"

    async def __call__(self) -> None:
        return None


@dataclass(frozen=True)
class RolesRequired(AccessRule):
    roles: frozenset[Role]  # empty: any signed-in caller
    description: str
    scopes: frozenset[str] = frozenset()  # a client needs one of these (ANY_SCOPE: any client)

    async def __call__(self, request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> Principal:
        if not token:
            raise NotSignedIn()
        principal = await verified_principal(request, token)
        if self.roles and not principal.roles & self.roles:
            raise RoleNotAllowed(f"需要以下角色之一：{self.description}")
        if principal.is_client and ANY_SCOPE not in self.scopes and not principal.scopes & self.scopes:
            needed = "、".join(sorted(self.scopes)) or "不对 API 客户端开放，须由本人登录操作"
            raise InsufficientScope(f"此接口需要授权范围：{needed}")
        return principal


@dataclass(frozen=True)
class Anyone(AccessRule):
    """Open to the public; a caller who does send a token is verified and known."""

    description: str = f"{PUBLIC_ACCESS[0]}（{PUBLIC_ACCESS[1]}；已登录的小程序用户带上令牌即可关联到本人）"

    async def __call__(self, request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> Principal | None:
        return await verified_principal(request, token) if token else None


@dataclass(frozen=True)
class ScrapeToken(AccessRule):
    """The monitoring system, with the deployment's scrape token (``metrics_token``): the numbers
    say how busy each route is and how much is overdue, which is not for the public."""

    description: str = "监控系统（凭抓取令牌 metrics_token）"

    async def __call__(self, request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> None:
        expected = request.app.state.settings.metrics_token
        if expected is None:
            raise MetricsNotEnabled()
        if token is None or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
            raise ScrapeTokenRequired()


def public() -> Any:
    return Depends(Public())


def anyone() -> Any:
    """Like ``public()``, but the route receives the caller's principal when a token is sent."""
    return Depends(Anyone())


def allow(*roles: Role, scope: RouteScopes | str = None) -> Any:
    """Callers holding any of ``roles`` (with none given, any signed-in caller); a client acting
    by itself needs ``scope`` (or one of them) as well."""
    ordered = [role for role in Role if role in roles]  # catalogue order: stable across processes
    description = "、".join(ROLES[role].title for role in ordered) if roles else "任何已登录用户"
    scopes = frozenset(scope if isinstance(scope, tuple) else () if scope is None else (scope,))
    if scopes - {ANY_SCOPE}:
        description += f"（API 客户端须有授权范围 {' 或 '.join(sorted(scopes))}）"
    return Depends(RolesRequired(frozenset(roles), description, frozenset(str(item) for item in scopes)))


CurrentPrincipal = Annotated[Principal, allow()]  # any person signed in; no API client
# Any person signed in, and an enterprise system granted ``hazards:read`` (its own records only).
HazardsReader = Annotated[Principal, allow(scope=Scope.HAZARDS_READ)]
MaybePrincipal = Annotated[Principal | None, anyone()]


def declared_rule(route: Any) -> AccessRule | None:
    """The rule among a route's dependencies (``route``: an APIRoute or FastAPI's route context)."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, AccessRule):
            return dependant.call
        pending.extend(dependant.dependencies)
    return None


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of ``app`` with its effective path, included routers flattened."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def routes_without_rule(app: FastAPI) -> list[str]:
    """Every route that declares no access rule. Static file mounts and FastAPI's own OpenAPI
    document are public by construction."""
    missing = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (isinstance(route, Mount) and isinstance(route.app, StaticFiles)) or context.path == app.openapi_url:
            continue
        if not isinstance(route, APIRoute) or declared_rule(context) is None:
            missing.append(f"{','.join(sorted(getattr(context, 'methods', None) or ['*']))} {context.path}")
    return missing
