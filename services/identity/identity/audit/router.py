from typing import Annotated

from fastapi import Query

from identity.audit import service
from identity.audit.schemas import IdentityAuditRead
from qingling.audit import TrailVerification
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.db import DbSession
from qingling.idempotency import APIRouter
from qingling.pagination import Page, PageQuery

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="身份台账")
async def list_audit(
    caller: Annotated[Principal, allow(Role.ADMIN, Role.ENTERPRISE_ADMIN)],
    session: DbSession,
    page: PageQuery,
    target: Annotated[
        str | None, Query(max_length=120, description="只看一个对象，如 account:12、client:<client_id>")
    ] = None,
) -> Page[IdentityAuditRead]:
    """账号、角色、API 客户端与签名密钥的每一次变更：创建、修改（角色、部门、停用的前后值）、重置密码、解除锁定、
    客户端创建、修改、轮换密钥、停用，签名密钥轮换。记录操作人、对象、变更内容、理由（请求体的 `reason` 字段）和时间，
    按哈希链串联；不记录密码和密钥。管理员看到本辖区（企业管理员看到本企业）的记录，按 seq 分页。"""
    entries = await service.page(session, caller, page, target)
    return Page.of([IdentityAuditRead.model_validate(entry) for entry in entries], page, entries.total, key="seq")


@router.get("/verification", summary="核验身份台账")
async def verify_audit(caller: Annotated[Principal, allow(Role.ADMIN)], session: DbSession) -> TrailVerification:
    """逐条核对整条哈希链及链尾；任何一条被改动或删除，`intact` 为 false 并指出第一条不符的记录。"""
    return TrailVerification.model_validate(await service.verify(session), from_attributes=True)
