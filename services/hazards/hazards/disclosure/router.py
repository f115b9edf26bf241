"""Public, without login: the 挂牌督办 list of a region (政务公开) and the same set as a read-only
Open311 GeoReport v2 endpoint (JSON only; errors stay RFC 9457 problems like everywhere else)."""

from datetime import datetime
from typing import Annotated, Literal, cast

from fastapi import Query, Request

from hazards.config import Settings
from hazards.disclosure import service
from hazards.disclosure.schemas import (
    Open311Discovery,
    Open311Endpoint,
    Open311Request,
    Open311Service,
    PublicListedHazard,
)
from qingling.auth.access import public
from qingling.clock import SHANGHAI
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId, QueryTime
from qingling.pagination import Page, PageQuery
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime

router = APIRouter(tags=["disclosure"], dependencies=[public()])

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 29, tzinfo=SHANGHAI)  # when this endpoint's services last changed
Region = Annotated[RegionCode, Query(description="行政区划代码（必填），如 330521；含其下级区划")]


@router.get("/public/listed", summary="政务公开：挂牌督办隐患", responses=problem_responses(ValidationFailed))
async def public_listed(
    session: DbSession, runtime: CurrentRuntime, region_code: Region, page: PageQuery
) -> Page[PublicListedHazard]:
    """一个地区挂牌督办的重大事故隐患及其销号情况：企业名称、隐患名称、督办文号、挂牌机关、挂牌日期、
    整改期限、状态、销号日期。不含隐患来源（是否举报）、举报人信息，企业联系方式按设置公开。"""
    contacts = cast(Settings, runtime.settings).disclosure_enterprise_contacts
    rows = await service.listed(session, region_code, page)
    items = [service.public_row(hazard, enterprise, contacts) for hazard, enterprise in rows]
    return Page.of(items, page, rows.total)


@router.get("/open311/v2/discovery.json", summary="Open311 服务发现")
async def open311_discovery(request: Request) -> Open311Discovery:
    base = str(request.url).split("?")[0].removesuffix("/discovery.json")
    endpoint = Open311Endpoint(
        specification=SPECIFICATION, url=base, changeset=CHANGESET, type="production", formats=["application/json"]
    )
    return Open311Discovery(changeset=CHANGESET, contact="本级安委办", key_service="", endpoints=[endpoint])


@router.get("/open311/v2/services.json", summary="Open311 服务类型")
async def open311_services(
    jurisdiction_id: Annotated[str | None, Query(max_length=9, description="不影响结果")] = None,
) -> list[Open311Service]:
    """只读：唯一的服务类型是挂牌督办的重大事故隐患（不受理提交）。"""
    return [
        Open311Service(
            service_code=service.SERVICE_CODE,
            service_name=service.SERVICE_NAME,
            description="政府挂牌督办的重大事故隐患及其整改、销号情况（只读公开）",
            metadata=False,
            type="batch",
            keywords="重大事故隐患,挂牌督办,销号",
            group="安全生产",
        )
    ]


@router.get(
    "/open311/v2/requests.json", summary="Open311 挂牌督办隐患列表", responses=problem_responses(ValidationFailed)
)
async def open311_requests(
    session: DbSession,
    jurisdiction_id: Annotated[RegionCode, Query(description="行政区划代码（必填），如 330521；含其下级区划")],
    service_code: Annotated[str | None, Query(max_length=100, description="服务类型，逗号分隔")] = None,
    status: Annotated[Literal["open", "closed"] | None, Query(description="open 未销号，closed 已销号")] = None,
    start_date: Annotated[QueryTime | None, Query(description="挂牌时间不早于（ISO 8601）")] = None,
    end_date: Annotated[QueryTime | None, Query(description="挂牌时间不晚于（ISO 8601）")] = None,
) -> list[Open311Request]:
    """按挂牌日期倒序，最多 1000 条（GeoReport v2 的默认上限）。requested_datetime 为挂牌日期零点（北京时间）。"""
    if start_date is not None and end_date is not None and start_date > end_date:
        raise ValidationFailed.for_field("end_date", "end_date 不能早于 start_date", "query")
    return await service.requests(session, jurisdiction_id, service_code, status, start_date, end_date)


@router.get(
    "/open311/v2/requests/{service_request_id}.json",
    summary="Open311 单条挂牌督办隐患",
    responses=problem_responses(service.PublishedHazardNotFound),
)
async def open311_request(
    session: DbSession,
    service_request_id: DbId,
    jurisdiction_id: Annotated[str | None, Query(max_length=9, description="不影响结果")] = None,
) -> list[Open311Request]:
    """GeoReport v2 以只含一条的数组回答。"""
    return [await service.request(session, service_request_id)]
