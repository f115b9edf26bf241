from fastapi import Response

from identity.revocations import service
from identity.revocations.schemas import RevocationList, RevokedSubject
from qingling.auth.access import allow
from qingling.auth.roles import Role
from qingling.auth.scopes import ServiceScope
from qingling.db import DbSession
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["revocations"])


@router.get(
    "/revocations",
    summary="已吊销的登录（供各服务验证令牌）",
    dependencies=[allow(Role.SERVICE, scope=ServiceScope.REVOCATIONS)],
)
async def list_revocations(session: DbSession, runtime: CurrentRuntime, response: Response) -> RevocationList:
    """重置密码、停用账号、修改角色或部门后，该账号此前签发的访问令牌即告作废：各服务据此拒绝 `sub` 相同且
    `iat` 早于 `not_before` 的令牌。只列出 `not_before` 在最近（访问令牌有效期 + 5 分钟）内的条目——更早的
    条目所涉令牌都已过期。仅限内部服务调用。"""
    response.headers["Cache-Control"] = "no-store"
    now = runtime.clock.now()
    entries = await service.recent(session, now, service.window(runtime.settings.access_token_minutes))
    revoked = [RevokedSubject(subject=subject, not_before=not_before) for subject, not_before in entries]
    return RevocationList(as_of=now, revocations=revoked)
