from typing import Annotated

from fastapi import Query, Response

from identity.directory import service
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
    summary="收件位置上的人及其联系方式（仅限通知服务）",
    dependencies=[allow(Role.SERVICE, scope=ServiceScope.DIRECTORY)],
    responses=problem_responses(ValidationFailed),
)
async def resolve_place(
    place: Annotated[PlaceText, Query(description="收件位置，如 department:330521:emergency")],
    session: DbSession,
    response: Response,
) -> Listing:
    """某个收件位置上在用（未停用）的账号：部门（department:<区划>:<部门类别>）的监管人员和部门负责人，
    安委办（committee:<区划>）的工作人员，企业（enterprise:<统一社会信用代码>）的企业账号，
    地区系统管理员（admins:<区划>），或单个账号（account:<编号>）——各带姓名、手机号码和电子邮箱；
    小程序用户（wechat:<编号>）只带 openid。没有人时返回空列表。

    手机号码、邮箱和 openid 只交给通知服务用于发送：仅限持有 service:directory 授权的通知服务调用，
    其他任何调用方一律拒绝。答复不缓存。"""
    response.headers["Cache-Control"] = "no-store"
    return await service.listing(session, Place.parse(place))
