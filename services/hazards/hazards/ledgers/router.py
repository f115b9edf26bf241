from typing import Annotated, cast

from fastapi import Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from hazards.config import Settings
from hazards.departments.schemas import IndustryCode
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE, STAFF
from hazards.ledgers import service
from hazards.ledgers.schemas import ListedHazardLedger, MajorHazardLedger
from qingling.auth.access import allow
from qingling.auth.principal import Principal
from qingling.auth.scope import OutsideJurisdiction
from qingling.clock import SHANGHAI
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.exports import CSV, XLSX, ExportFormat, content_disposition, to_csv, to_xlsx
from qingling.idempotency import APIRouter
from qingling.inputs import QueryDate
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/ledgers", tags=["ledgers"])

Staff = Annotated[Principal, allow(*STAFF)]
Format = Annotated[
    ExportFormat,
    Query(alias="format", description="json（默认）；csv（UTF-8 带 BOM，Excel 可直接打开）；xlsx（Excel 表格）"),
]
FILES = {
    200: {
        "content": {CSV: {}, XLSX: {}},
        "description": "清单：JSON，或 format=csv / xlsx 时为文件下载",
        "headers": {
            "Content-Disposition": {
                "description": "下载文件时：attachment；filename 为 ASCII 名，filename* 为中文名（RFC 6266/5987）",
                "schema": {"type": "string"},
            }
        },
    },
    **problem_responses(OutsideJurisdiction, service.LedgerTooLarge, ValidationFailed),
}


async def ledger_filters(
    region_code: Annotated[
        RegionCode | None, Query(description="只看此行政区划（须在您的辖区内），表题以其命名；默认为您的辖区")
    ] = None,
    industry: Annotated[IndustryCode | None, Query(description="行业领域代码")] = None,
    state: Annotated[HAZARD_LIFECYCLE.State | None, Query(description="状态代码")] = None,
    open_only: Annotated[
        bool | None, Query(alias="open", description="true 只看未销号的，false 只看已销号（或不予认定）的")
    ] = None,
    listed_from: Annotated[QueryDate | None, Query(description="挂牌日期不早于此日（含）")] = None,
    listed_to: Annotated[QueryDate | None, Query(description="挂牌日期不晚于此日（含）")] = None,
    closed_from: Annotated[QueryDate | None, Query(description="销号日期不早于此日（含，北京时间）")] = None,
    closed_to: Annotated[QueryDate | None, Query(description="销号日期不晚于此日（含，北京时间）")] = None,
) -> service.Filters:
    filters = service.Filters(
        region_code, industry, state, open_only, listed_from, listed_to, closed_from, closed_to
    )  # fmt: skip
    filters.check()
    return filters


Filters = Annotated[service.Filters, Depends(ledger_filters)]


@router.get("/major-hazards", summary="重大事故隐患清单", response_model=MajorHazardLedger, responses=FILES)
async def major_hazards(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    filters: Filters,
    export_format: Format = ExportFormat.JSON,
) -> Response | MajorHazardLedger:
    """本辖区（市级含所辖各县区）的全部重大事故隐患（不予认定的除外），一行一条：企业、场所、行业、隐患描述、判定依据（标准及条款）、
    发现日期、状态、当前环节及其期限、整改期限、整改责任人、治理措施、是否挂牌督办、督办部门、销号日期。

    格式由 `format` 决定（不看 `Accept`，以便链接直接下载）：`json`（默认）、`csv`、`xlsx`。
    Excel 第一行为表题（辖区、清单名称和生成时刻），第二行为中文表头并冻结；日期均为北京时间。CSV 第一行即表头。"""
    ledger = await service.major_hazards(session, caller, filters, runtime.clock.now(), _max_rows(runtime))
    return await _answer(ledger, MajorHazardLedger, export_format, "major-hazards")


@router.get("/listed-hazards", summary="挂牌督办清单", response_model=ListedHazardLedger, responses=FILES)
async def listed_hazards(
    caller: Staff,
    session: DbSession,
    runtime: CurrentRuntime,
    filters: Filters,
    export_format: Format = ExportFormat.JSON,
) -> Response | ListedHazardLedger:
    """本辖区内挂牌督办的全部重大事故隐患（含已摘牌销号的），按挂牌日期排列：督办文号、挂牌督办机关、挂牌日期、
    责任单位和责任人、督办整改要求与措施、原定整改期限、延期（获批次数、最近一次申请及决定）、现整改期限、状态、
    当前环节及其期限、销号日期。

    格式由 `format` 决定：`json`（默认）、`csv`、`xlsx`，版式同重大事故隐患清单。"""
    ledger = await service.listed_hazards(session, caller, filters, runtime.clock.now(), _max_rows(runtime))
    return await _answer(ledger, ListedHazardLedger, export_format, "listed-hazards")


def _max_rows(runtime: CurrentRuntime) -> int:
    return cast(Settings, runtime.settings).ledger_max_rows


async def _answer(
    ledger: service.Ledger, model: type[MajorHazardLedger | ListedHazardLedger], export_format: ExportFormat, slug: str
) -> Response | MajorHazardLedger | ListedHazardLedger:
    if export_format is ExportFormat.JSON:
        return model(
            title=ledger.title,
            region_code=ledger.region_code,
            region_name=ledger.region_name,
            generated_at=ledger.generated_at,
            prepared_by=ledger.prepared_by,
            summary=ledger.table.subtitle,
            columns=ledger.table.described(),
            **ledger.counts,
            items=ledger.rows,
        )
    moment = ledger.generated_at.astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    name = f"{ledger.title.split('（')[0]}_{moment}.{export_format.value}"
    fallback = f"{slug}-{ledger.region_code}-{moment}.{export_format.value}"
    write, media_type = (to_csv, CSV) if export_format is ExportFormat.CSV else (to_xlsx, XLSX)
    headers = {"Content-Disposition": content_disposition(name, fallback)}
    # Seconds of CPU for a large ledger (20,000 rows ≈ 4 s as .xlsx): off the event loop.
    return Response(await run_in_threadpool(write, ledger.table), media_type=media_type, headers=headers)
