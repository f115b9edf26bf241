from typing import Annotated

from fastapi import Query, Response

from hazards.directory import service
from qingling.auth.access import allow
from qingling.auth.roles import Role
from qingling.auth.scopes import ServiceScope
from qingling.db import DbSession
from qingling.directory import DIRECTORY_PATH, Listing, Place, PlaceText
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter

router = APIRouter(tags=["directory"])


@router.get(
    DIRECTORY_PATH,
    summary="企业的主要负责人、实际控制人、安全管理负责人及其联系方式（仅限通知服务）",
    dependencies=[allow(Role.SERVICE, scope=ServiceScope.DIRECTORY)],
    responses=problem_responses(ValidationFailed, service.NotAnEnterprisePlace),
)
async def resolve_place(
    place: Annotated[PlaceText, Query(description="企业位置：enterprise:<统一社会信用代码>")],
    session: DbSession,
    response: Response,
) -> Listing:
    """企业名录中登记的主要负责人、实际控制人和安全管理负责人，各带姓名、电话和电子邮箱，
    供通知服务发送依法须告知的事项（重大隐患挂牌、期限变更等）。企业未登记时返回空列表；
    其他位置（部门、安委办、账号）由身份服务答复，这里返回 422。

    仅限持有 service:directory 授权的通知服务调用，其他任何调用方一律拒绝。答复不缓存。"""
    response.headers["Cache-Control"] = "no-store"
    return await service.listing(session, Place.parse(place))
