from typing import Annotated

from fastapi import Query

from notify.inbox import service
from notify.inbox.schemas import Inbox, MarkRead, Unread
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.scopes import Scope, ServiceScope
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.pagination import PageQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/inbox", tags=["inbox"])
# People read their own and their place's inboxes; an enterprise system its enterprise's; the
# reports service a receipt holder's, for them.
Reader = Annotated[Principal, allow(scope=(Scope.HAZARDS_READ, ServiceScope.RECEIPT_INBOX))]
Recipient = Annotated[
    str | None, Query(max_length=100, description="仅供内部服务代回执持有人查询（receipt:<回执码>）；本人查看不填")
]


@router.get("", summary="收件箱", responses=problem_responses(service.OwnInboxOnly))
async def inbox(
    caller: Reader,
    session: DbSession,
    page: PageQuery,
    recipient: Recipient = None,
    unread_only: Annotated[bool, Query(description="true 只看未读")] = False,
) -> Inbox:
    """发给本人和本单位（企业、部门、安委办）的消息和未读条数，按送达先后。匿名举报人凭回执码和查询密码在举报服务查看：
    GET /api/v1/reports/receipts/tip-off/inbox。"""
    return await service.page(session, service.recipients_of(caller, recipient), page, unread_only=unread_only)


@router.post("/read", summary="标为已读", responses=problem_responses(service.OwnInboxOnly))
async def mark_read(
    body: MarkRead, caller: Reader, session: DbSession, runtime: CurrentRuntime, recipient: Recipient = None
) -> Unread:
    """记录阅读时间（回执）：已读的消息保留第一次阅读的时间。"""
    inboxes = service.recipients_of(caller, recipient)
    reader = "reporter" if recipient else caller.subject  # a receipt holder is never named
    return Unread(unread=await service.mark_read(session, inboxes, reader, body.ids, runtime.clock.now()))
