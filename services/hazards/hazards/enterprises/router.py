from typing import Annotated

from fastapi import Path, Query, Request, Response, UploadFile
from pydantic import StringConstraints

from hazards import limits
from hazards.departments.schemas import IndustryCode
from hazards.enterprises import imports, onboarding, posters, service
from hazards.enterprises.schemas import (
    EnterpriseCreate,
    EnterpriseListing,
    EnterpriseRead,
    EnterpriseUpdate,
    ImportResult,
    OnboardingRequest,
    OnboardingResult,
    RiskClass,
)
from hazards.enterprises.service import EnterpriseNotFound
from hazards.spreadsheets import NotASpreadsheet, RowsRejected
from qingling.auth.access import allow, public
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES
from qingling.auth.scope import OutsideJurisdiction
from qingling.auth.scopes import Scope, ServiceScope
from qingling.db import DbSession
from qingling.documents import PDF
from qingling.errors import PayloadTooLarge, ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.limits import per_address
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

Editor = Annotated[Principal, allow(*service.EDITORS)]
# People in scope; an enterprise system its own enterprise; a service checking the register.
Reader = Annotated[Principal, allow(scope=(Scope.HAZARDS_READ, ServiceScope.REGISTER_READ))]
Staff = Annotated[Principal, allow(*STAFF_ROLES)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post(
    "",
    summary="登记企业",
    status_code=201,
    responses=problem_responses(OutsideJurisdiction, service.EnterpriseExists, ValidationFailed),
)
async def create_enterprise(
    body: EnterpriseCreate, caller: Editor, session: DbSession, runtime: CurrentRuntime
) -> EnterpriseRead:
    """在本辖区内登记企业。统一社会信用代码按 GB 32100 校验；行政区划须为登记在册的代码。"""
    return EnterpriseRead.model_validate(await service.create(session, caller, body, runtime.clock.now()))


@router.get("", summary="查找企业")
async def list_enterprises(
    caller: Reader,
    session: DbSession,
    page: PageQuery,
    name: Annotated[str | None, Query(max_length=50, description="企业名称中的任意片段")] = None,
    credit_code: Annotated[str | None, Query(max_length=18, description="统一社会信用代码")] = None,
    region_prefix: Annotated[str | None, Query(pattern=r"^\d{2,9}$", description="区划代码前缀")] = None,
    industry: Annotated[IndustryCode | None, Query()] = None,
    risk_class: Annotated[RiskClass | None, Query()] = None,
) -> Page[EnterpriseRead]:
    """监管人员看到本辖区的企业，企业只看到自己。"""
    enterprises = await service.page(
        session,
        caller,
        page,
        name=name,
        credit_code=credit_code,
        region_prefix=region_prefix,
        industry=industry,
        risk_class=risk_class,
    )
    return Page.of([EnterpriseRead.model_validate(enterprise) for enterprise in enterprises], page, enterprises.total)


@router.get(
    "/lookup",
    summary="查找被举报单位（公众）",
    dependencies=[public(), per_address(limits.lookups, limits.LookupThrottled)],
    responses=problem_responses(ValidationFailed, limits.LookupThrottled),
)
async def lookup(
    session: DbSession,
    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=30),
        Query(description="单位名称或统一社会信用代码中的一段，2 至 30 个字"),
    ],
) -> list[EnterpriseListing]:
    """举报页面用：名称或统一社会信用代码含有所填文字的登记企业，最多 10 家，
    只有名称、统一社会信用代码和所在乡镇（街道）。
    同一网络地址在一段时间内的查询次数有限（默认 10 分钟 60 次），超过时返回 429 并在 `Retry-After` 中说明等待秒数。"""
    return await service.lookup(session, q)


@router.get(
    "/poster-token/{token}",
    summary="举报二维码所指的单位（公众）",
    dependencies=[public(), per_address(limits.lookups, limits.LookupThrottled)],
    responses=problem_responses(service.PosterTokenUnknown, limits.LookupThrottled),
)
async def poster_enterprise(
    token: Annotated[str, Path(max_length=100, description="海报二维码网址中 e= 后的签名令牌")],
    session: DbSession,
    runtime: CurrentRuntime,
) -> EnterpriseListing:
    """扫描企业举报海报的二维码打开举报页面时，据此填入被举报单位：名称、统一社会信用代码和所在乡镇（街道）。
    令牌由本服务签名，伪造或改动的、单位已不在名录中的，返回 404。"""
    return await service.by_poster_token(session, runtime.adapters.poster_key, token)


@router.get(
    "/import-template",
    summary="下载企业名录导入模板",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 模板"}},
    dependencies=[allow(*STAFF_ROLES)],
)
async def import_template() -> Response:
    """第一行为列名，第二行为示例；行业领域、专项整治标签可填中文名称或代码。"""
    headers = {"Content-Disposition": 'attachment; filename="enterprises-template.xlsx"'}
    return Response(imports.SHEET.template(), media_type=XLSX, headers=headers)


@router.post(
    "/import",
    summary="从 Excel 导入企业名录",
    status_code=201,
    responses=problem_responses(RowsRejected, NotASpreadsheet, PayloadTooLarge),
)
async def import_enterprises(
    file: UploadFile, caller: Editor, session: DbSession, runtime: CurrentRuntime
) -> ImportResult:
    """整表校验：任何一行有错，返回 422 并逐行逐列列出全部错误，不导入任何数据。"""
    created = await imports.import_enterprises(session, caller, await file.read(), runtime.clock.now())
    return ImportResult(created=created)


@router.get("/{enterprise_id}", summary="查看企业", responses=problem_responses(service.EnterpriseNotFound))
async def get_enterprise(enterprise_id: DbId, caller: Reader, session: DbSession) -> EnterpriseRead:
    """辖区外的企业按不存在处理（404）。"""
    return EnterpriseRead.model_validate(await service.get(session, caller, enterprise_id))


@router.get(
    "/{enterprise_id}/poster",
    summary="下载举报二维码海报",
    response_class=Response,
    responses={200: {"content": {PDF: {}}, "description": "A4 海报 PDF"}, **problem_responses(EnterpriseNotFound)},
)
async def enterprise_poster(
    enterprise_id: DbId, caller: Staff, session: DbSession, runtime: CurrentRuntime, request: Request
) -> Response:
    """打印张贴在企业的 A4 海报：企业名称、“扫码举报安全生产隐患”、举报电话 12350 和二维码。扫码打开举报页面并填好本企业
    （二维码中是签名的令牌，不是企业编号）。网址的前半部分为配置的公众访问地址（QL_HAZARDS_PUBLIC_BASE_URL），
    未配置时为本次请求的地址。辖区外的企业按不存在处理（404）。"""
    enterprise = await service.get(session, caller, enterprise_id)
    base_url = runtime.settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
    key, now = runtime.adapters.poster_key, runtime.clock.now()
    return await posters.download(enterprise.name, enterprise.credit_code, key, base_url, now)


@router.patch(
    "/{enterprise_id}",
    summary="修改企业信息",
    responses=problem_responses(service.EnterpriseNotFound, OutsideJurisdiction, ValidationFailed),
)
async def update_enterprise(
    enterprise_id: DbId, body: EnterpriseUpdate, caller: Editor, session: DbSession, runtime: CurrentRuntime
) -> EnterpriseRead:
    """只改传入的字段；迁往的地区也须在本辖区内。"""
    enterprise = await service.update(session, caller, enterprise_id, body, runtime.clock.now())
    return EnterpriseRead.model_validate(enterprise)


@router.post(
    "/{enterprise_id}/onboarding",
    summary="为企业开通管理员账号和 API 客户端",
    status_code=201,
    responses=problem_responses(
        service.EnterpriseNotFound, onboarding.OnboardingConflict, onboarding.IdentityUnavailable
    ),
)
async def onboard_enterprise(
    enterprise_id: DbId, body: OnboardingRequest, caller: Editor, session: DbSession, runtime: CurrentRuntime
) -> OnboardingResult:
    """经身份认证服务开通企业管理员账号（首次登录须改密码）和对接用 API 客户端。初始密码与客户端密钥只显示这一次。"""
    return await onboarding.onboard(session, runtime, caller, enterprise_id, body)
