"""Access rules: every route declares who may call it.

    @router.get("/accounts")
    async def list_accounts(caller: Annotated[Principal, allow(Role.ADMIN)]) -> ...

    @router.get("/jwks.json", dependencies=[public()])

A rule authenticates the caller (bearer token, verified against the issuer's keys) and checks
the role; jurisdiction and ownership are checked again in the services, where the data is.
``routes_without_rule()`` finds routes that declare nothing, so none slips through.
"""

from __future__ import annotations

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
from qingling.errors import Forbidden, Unauthorized

TOKEN_PATH = "/api/v1/identity/oauth/token"

bearer_token = OAuth2PasswordBearer(
    tokenUrl=TOKEN_PATH,
    auto_error=False,
    description="用账号密码登录（password 授权）。企业系统请用 client_credentials 授权直接调用令牌接口。",
)


class NotSignedIn(Unauthorized):
    code, title = "not-signed-in", "请先登录（请求缺少 Authorization: Bearer 令牌）"


class RoleNotAllowed(Forbidden):
    code, title = "role-not-allowed", "您的角色无权进行此操作"


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

    async def __call__(self, request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> Principal:
        if not token:
            raise NotSignedIn()
        principal = await request.app.state.runtime.verifier.verify(token)
        if self.roles and not principal.roles & self.roles:
            raise RoleNotAllowed(f"需要以下角色之一：{self.description}")
        return principal


@dataclass(frozen=True)
class Anyone(AccessRule):
    """Open to the public; a caller who does send a token is verified and known."""

    description: str = f"{PUBLIC_ACCESS[0]}（{PUBLIC_ACCESS[1]}；已登录的小程序用户带上令牌即可关联到本人）"

    async def __call__(self, request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> Principal | None:
        return await request.app.state.runtime.verifier.verify(token) if token else None


def public() -> Any:
    return Depends(Public())


def anyone() -> Any:
    """Like ``public()``, but the route receives the caller's principal when a token is sent."""
    return Depends(Anyone())


def allow(*roles: Role) -> Any:
    """Callers holding any of ``roles``; with none given, any signed-in caller."""
    ordered = [role for role in Role if role in roles]  # catalogue order: stable across processes
    description = "、".join(ROLES[role].title for role in ordered) if roles else "任何已登录用户"
    return Depends(RolesRequired(frozenset(roles), description))


CurrentPrincipal = Annotated[Principal, allow()]
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
