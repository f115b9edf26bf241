from datetime import timedelta
from typing import Annotated

from fastapi import Response

from identity.adapters import IdentityAdapters
from identity.audit.schemas import ChangeReason
from identity.keys import service
from identity.keys.schemas import Jwks, SigningKeyRead
from identity.keys.service import KeyRotationNotAllowed
from qingling.auth.access import allow, public
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["keys"])


@router.get("/jwks.json", summary="令牌验证公钥（JWKS）", dependencies=[public()])
async def jwks(session: DbSession, runtime: CurrentRuntime, response: Response) -> Jwks:
    """各服务据此自行验证访问令牌签名。密钥轮换期间新旧两把公钥同时发布。"""
    response.headers["Cache-Control"] = "public, max-age=60"
    keys = await service.published(session, runtime.clock.now())
    return Jwks(keys=[key.public_jwk for key in keys])


@router.get("/keys", summary="签名密钥列表")
async def list_keys(
    session: DbSession, runtime: CurrentRuntime, caller: Annotated[Principal, allow(Role.ADMIN)]
) -> list[SigningKeyRead]:
    """当前发布的签名密钥（不含私钥）。"""
    return [SigningKeyRead.model_validate(key) for key in await service.published(session, runtime.clock.now())]


@router.post(
    "/keys/rotate", summary="轮换签名密钥", status_code=201, responses=problem_responses(KeyRotationNotAllowed)
)
async def rotate_key(
    session: DbSession,
    runtime: CurrentRuntime,
    adapters: IdentityAdapters,
    caller: Annotated[Principal, allow(Role.ADMIN)],
    body: ChangeReason | None = None,
) -> SigningKeyRead:
    """新密钥立即用于签发；旧密钥继续发布到其签发的令牌全部过期，已登录用户不受影响。
    轮换记入身份台账（请求体 `reason` 可说明理由）。"""
    token_lifetime = timedelta(minutes=runtime.settings.access_token_minutes)
    reason = body.reason if body is not None else None
    key = await service.rotate(session, caller, adapters.key_cipher, runtime.clock.now(), token_lifetime, reason)
    return SigningKeyRead.model_validate(key)
