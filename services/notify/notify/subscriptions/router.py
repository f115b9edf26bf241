from notify.subscriptions import service
from notify.subscriptions.schemas import AuthorisationRead, Authorisations, AuthorisationWrite
from qingling.auth.access import CurrentPrincipal
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])


@router.get(
    "",
    summary="我的订阅消息授权",
    responses=problem_responses(service.SubscriptionsMiniprogramOnly, service.SubscriptionsOff),
)
async def my_subscriptions(caller: CurrentPrincipal, session: DbSession, runtime: CurrentRuntime) -> Authorisations:
    """小程序用户本人对各订阅消息模板剩余的一次性授权，以及可订阅的消息类别和模板编号。"""
    return await service.mine(session, runtime.adapters.channels, caller)


@router.post(
    "",
    summary="登记订阅消息授权",
    responses=problem_responses(
        service.SubscriptionsMiniprogramOnly, service.SubscriptionsOff, service.SubscriptionTemplateNotFound
    ),
)
async def record_subscription(
    body: AuthorisationWrite, caller: CurrentPrincipal, session: DbSession, runtime: CurrentRuntime
) -> AuthorisationRead:
    """用户在小程序中允许订阅（wx.requestSubscribeMessage 返回 accept）后登记：每次允许可收一条该模板的订阅消息，
    举报的办理进展和答复先以订阅消息发送，授权用完后改发短信（留了手机号的）。只能登记本人的。"""
    return await service.record(session, runtime.adapters.channels, caller, body, runtime.clock.now())
