"""The token endpoint's grants: password, refresh token, client credentials, WeChat code.

Each grant runs its checks in its own unit of work and answers failures only after that unit
has committed, so a failed password attempt is counted and a replayed refresh token revokes its
family even though the request itself fails.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import service as account_service
from identity.accounts.models import Account
from identity.accounts.schemas import PasswordChange
from identity.accounts.service import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    PasswordChangeRequired,
)
from identity.adapters import Adapters
from identity.clients import service as client_service
from identity.clients.service import InvalidClient
from identity.config import Settings
from identity.keys import service as keys
from identity.tokens.models import RefreshToken
from identity.tokens.schemas import (
    CLIENT_CREDENTIALS,
    PASSWORD,
    REFRESH_TOKEN,
    WECHAT_CODE,
    TokenRequest,
    TokenResponse,
)
from identity.wechat import service as wechat
from identity.wechat.client import InvalidWechatCode
from qingling.auth import jwt
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scopes import SCOPE_AUDIENCES, Scope
from qingling.errors import BadRequest, QinglingError, Unauthorized
from qingling.runtime import Runtime


class UnsupportedGrantType(BadRequest):
    code, title = "unsupported-grant-type", "不支持的授权方式（grant_type）"


class MissingTokenParameter(BadRequest):
    code, title = "missing-token-parameter", "令牌请求缺少必填参数"


class InvalidScope(BadRequest):
    code, title = "invalid-scope", "申请的授权范围超出该客户端的授权"


class InvalidAudience(BadRequest):
    code, title = "invalid-audience", "申请的服务标识（audience）不存在"


class AudienceRequired(BadRequest):
    code, title = "audience-required", "内部服务申请令牌须指明目标服务（audience）"


class InvalidRefreshToken(Unauthorized):
    code, title = "invalid-refresh-token", "续期凭证无效、已过期或已被使用，请重新登录"


# The OAuth 2 error code (RFC 6749 §5.2) each problem carries as the extension member `error`.
OAUTH_ERRORS: dict[type[QinglingError], str] = {
    InvalidCredentials: "invalid_grant",
    AccountLocked: "invalid_grant",
    AccountDisabled: "invalid_grant",
    PasswordChangeRequired: "invalid_grant",
    InvalidRefreshToken: "invalid_grant",
    InvalidWechatCode: "invalid_grant",
    InvalidClient: "invalid_client",
    UnsupportedGrantType: "unsupported_grant_type",
    MissingTokenParameter: "invalid_request",
    InvalidScope: "invalid_scope",
    InvalidAudience: "invalid_target",
    AudienceRequired: "invalid_target",
}


def service_audiences(settings: Settings) -> list[str]:
    return [f"urn:qingling:{name}" for name in settings.service_client_secrets]


async def issue(runtime: Runtime, adapters: Adapters, form: TokenRequest, address: str) -> TokenResponse:
    """``address``: the client's (qingling.limits.client_address), which password guesses count against."""
    try:
        return await _issue(runtime, adapters, form, address)
    except QinglingError as exc:
        if (error := OAUTH_ERRORS.get(type(exc))) is not None:
            exc.extensions |= {"error": error, "error_description": exc.detail or exc.title}
        raise


async def _issue(runtime: Runtime, adapters: Adapters, form: TokenRequest, address: str) -> TokenResponse:
    audience = _audience(form.audience, runtime.settings, service_audiences(runtime.settings))
    if form.grant_type == PASSWORD:
        username, password = _required(form, "username", "password")
        async with runtime.unit_of_work() as session:
            now = runtime.clock.now()
            outcome = await account_service.sign_in(
                session, username, password, address, adapters, runtime.settings, now
            )
            if outcome.error is None:
                return await _for_account(session, runtime, adapters, outcome.account, audience, now)
        raise outcome.error
    if form.grant_type == REFRESH_TOKEN:
        (presented,) = _required(form, "refresh_token")
        async with runtime.unit_of_work() as session:
            now = runtime.clock.now()
            redeemed, refused = await _redeem(session, presented, now)
            if refused is None:
                account = await session.get(Account, redeemed.account_id)
                return await _for_account(
                    session, runtime, adapters, account, redeemed.audience, now, family=redeemed.family
                )
        raise refused
    if form.grant_type == CLIENT_CREDENTIALS:
        client_id, client_secret = _required(form, "client_id", "client_secret")
        async with runtime.unit_of_work() as session:
            now = runtime.clock.now()
            client = await client_service.authenticate(session, client_id, client_secret, now)
            scopes = _scopes(form.scope, frozenset(client.scopes))
            principal = client.principal(scopes)
            if not form.audience:
                audience = _client_audience(principal, runtime.settings)
            return await _response(session, runtime, adapters, principal, audience, now)
    if form.grant_type == WECHAT_CODE:
        (code,) = _required(form, "code")
        if adapters.wechat is None:
            raise wechat.WechatNotConfigured()
        answer = await adapters.wechat.code_to_session(code)  # outside the transaction: a network call
        async with runtime.unit_of_work() as session:
            now = runtime.clock.now()
            principal = await wechat.sign_in(session, answer, now)
            return await _response(session, runtime, adapters, principal, audience, now)
    raise UnsupportedGrantType(f"不支持的授权方式 {form.grant_type!r}")


async def change_password(runtime: Runtime, adapters: Adapters, body: PasswordChange, address: str) -> None:
    async with runtime.unit_of_work() as session:
        outcome = await account_service.change_password(
            session,
            body.username,
            body.current_password,
            body.new_password,
            address,
            adapters,
            runtime.settings,
            runtime.clock.now(),
        )
    if outcome.error is not None:
        raise outcome.error


def _required(form: TokenRequest, *names: str) -> tuple[str, ...]:
    missing = [name for name in names if not getattr(form, name)]
    if missing:
        raise MissingTokenParameter(f"{form.grant_type} 授权须提供：{'、'.join(missing)}")
    return tuple(getattr(form, name) for name in names)


def _audience(requested: str | None, settings: Settings, default: list[str]) -> list[str]:
    """The services a token is for. A person's sign-in without ``audience`` is one session across
    the console's four services; a client's default is narrowed by ``_client_audience``."""
    known = service_audiences(settings)
    if not requested:
        return default
    wanted = requested.split()
    if unknown := [item for item in wanted if item not in known]:
        raise InvalidAudience(f"未知的服务标识：{' '.join(unknown)}")
    return wanted


def _client_audience(principal: Principal, settings: Settings) -> list[str]:
    """A system's token is valid only at the services its scopes open; one of our services must
    name the one it calls (``ServiceAuth`` does, per call)."""
    if principal.has(Role.SERVICE):
        raise AudienceRequired("请在 audience 参数中指明要调用的服务，如 urn:qingling:hazards")
    names = {name for scope in principal.scopes if scope in SCOPE_AUDIENCES for name in SCOPE_AUDIENCES[Scope(scope)]}
    known = service_audiences(settings)
    return [audience for audience in known if audience.removeprefix("urn:qingling:") in names]


def _scopes(requested: str | None, granted: frozenset[str]) -> frozenset[str]:
    if not requested:
        return granted
    wanted = frozenset(requested.split())
    if not wanted <= granted:
        raise InvalidScope(f"该客户端未获授权：{' '.join(sorted(wanted - granted))}")
    return wanted


async def _for_account(
    session: AsyncSession,
    runtime: Runtime,
    adapters: Adapters,
    account: Account,
    audience: list[str],
    now: datetime,
    family: str | None = None,
) -> TokenResponse:
    """An access token plus the next refresh token of the sign-in's family."""
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=_digest(refresh),
            account_id=account.id,
            family=family or uuid.uuid4().hex,
            audience=audience,
            created_at=now,
            expires_at=now + timedelta(days=runtime.settings.refresh_token_days),
        )
    )
    response = await _response(session, runtime, adapters, account.principal(), audience, now)
    return response.model_copy(update={"refresh_token": refresh})


async def _redeem(
    session: AsyncSession, presented: str, now: datetime
) -> tuple[RefreshToken | None, QinglingError | None]:
    token = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == _digest(presented)))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None, InvalidRefreshToken()
    if token.used_at is not None:  # replayed: somebody else has it too
        await session.execute(update(RefreshToken).where(RefreshToken.family == token.family).values(revoked_at=now))
        return None, InvalidRefreshToken("续期凭证已被使用过，为安全起见本次登录已全部失效，请重新登录")
    token.used_at = now
    account = await session.get(Account, token.account_id)
    if account is None or account.disabled:
        return None, InvalidRefreshToken("账号已停用")
    return token, None


async def _response(
    session: AsyncSession,
    runtime: Runtime,
    adapters: Adapters,
    principal: Principal,
    audience: list[str],
    now: datetime,
) -> TokenResponse:
    lifetime = timedelta(minutes=runtime.settings.access_token_minutes)
    kid, private_pem = await keys.current(session, adapters.key_cipher)
    claims = principal.to_claims() | {
        "iss": runtime.settings.token_issuer,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return TokenResponse(
        access_token=jwt.sign(claims, private_pem, kid),
        expires_in=int(lifetime.total_seconds()),
        scope=" ".join(sorted(principal.scopes)) or None,
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
