import base64
import binascii
from typing import Annotated

from fastapi import Form, Request, Response

from identity.accounts.schemas import PasswordChange
from identity.adapters import IdentityAdapters
from identity.tokens import service
from identity.tokens.schemas import TokenRequest, TokenResponse
from qingling.auth.access import public
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter, idempotency
from qingling.limits import client_address
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["oauth"])


@router.post(
    "/oauth/token",
    summary="获取访问令牌（OAuth 2）",
    dependencies=[public()],
    responses=problem_responses(*service.OAUTH_ERRORS),
    openapi_extra=idempotency("none"),  # a password is sent: neither it nor a digest of it is kept
)
async def token(
    form: Annotated[TokenRequest, Form()],
    request: Request,
    response: Response,
    runtime: CurrentRuntime,
    adapters: IdentityAdapters,
) -> TokenResponse:
    """签发访问令牌（JWT，ES256，按服务区分 aud）。支持：

    - `password`：监管人员、接线员、企业用户用账号密码登录；从同一地址连续输错将暂停该地址登录（429，
      `Retry-After` 为等待秒数，逐次加倍），不影响本人从别处登录；
    - `refresh_token`：续期，每个续期凭证只能用一次；
    - `client_credentials`：企业系统与内部服务（客户端密钥也可用 HTTP Basic 传递）；
    - `urn:qingling:params:oauth:grant-type:wechat-code`：微信小程序 `wx.login` 得到的 code。

    失败时返回 problem+json，并带 OAuth 2 的 `error` / `error_description` 字段。"""
    response.headers["Cache-Control"] = "no-store"
    return await service.issue(runtime, adapters, _with_basic_credentials(form, request), client_address(request))


@router.post(
    "/password",
    summary="修改密码",
    status_code=204,
    dependencies=[public()],
    responses=problem_responses(*service.OAUTH_ERRORS),
    openapi_extra=idempotency("none"),  # a password is sent: neither it nor a digest of it is kept
)
async def change_password(
    body: PasswordChange, request: Request, runtime: CurrentRuntime, adapters: IdentityAdapters
) -> None:
    """凭当前密码设置新密码。首次登录或被重置密码的账号须先在此修改，之后才能登录。输错当前密码与登录时输错一样计数。"""
    await service.change_password(runtime, adapters, body, client_address(request))


def _with_basic_credentials(form: TokenRequest, request: Request) -> TokenRequest:
    """RFC 6749 §2.3.1: client credentials may come in an HTTP Basic header instead of the form."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or form.client_id:
        return form
    try:
        client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return form
    return form.model_copy(update={"client_id": client_id, "client_secret": client_secret})
