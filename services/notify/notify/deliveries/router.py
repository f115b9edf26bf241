from typing import Annotated

from fastapi import Query, Response

from notify.deliveries import service
from notify.deliveries.schemas import DeliveryRead
from qingling.auth.access import HazardsReader
from qingling.db import DbSession
from qingling.errors import problem_responses
from qingling.exports import XLSX, content_disposition, to_xlsx
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/deliveries", tags=["deliveries"])


@router.get("", summary="送达记录", responses=problem_responses(service.ItemNotFound))
async def delivery_log(
    caller: HazardsReader,
    session: DbSession,
    item_type: Annotated[str, Query(max_length=20, description="hazard 隐患 …")],
    item_id: Annotated[DbId, Query()],
) -> list[DeliveryRead]:
    """一个事项的全部送达：何时、以什么渠道、用哪个模板的哪个版本、对谁说了什么、结果如何、何时阅读。"""
    return [DeliveryRead.model_validate(row) for row in await service.log(session, caller, item_type, item_id)]


@router.get(
    "/export",
    summary="导出送达记录（Excel）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problem_responses(service.ItemNotFound)},
)
async def export_delivery_log(
    caller: HazardsReader,
    session: DbSession,
    item_type: Annotated[str, Query(max_length=20)],
    item_id: Annotated[DbId, Query()],
    runtime: CurrentRuntime,
) -> Response:
    """同一事项的送达记录，作为通知送达的证据留存（不替代法定的文书送达）。"""
    table = await service.export(session, caller, item_type, item_id, runtime.clock.now())
    name = f"delivery-log-{item_type}-{item_id}.xlsx"
    headers = {"Content-Disposition": content_disposition(f"送达记录_{item_type}_{item_id}.xlsx", name)}
    return Response(to_xlsx(table), media_type=XLSX, headers=headers)
