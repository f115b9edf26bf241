from hazards.industries.catalogue import DEPARTMENT_KINDS, INDUSTRIES, TAGS
from hazards.industries.schemas import DepartmentKindRead, IndustryRead, TagRead
from qingling.auth.access import public
from qingling.idempotency import APIRouter

router = APIRouter(tags=["industries"], dependencies=[public()])


@router.get("/industries", summary="行业领域目录")
async def list_industries() -> list[IndustryRead]:
    """隐患、举报、统计所用的行业领域代码（管行业必须管安全）。"""
    return [IndustryRead.model_validate(industry) for industry in INDUSTRIES]


@router.get("/tags", summary="专项整治标签")
async def list_tags() -> list[TagRead]:
    """“四项整治”与工贸重点领域标签。"""
    return [TagRead.model_validate(tag) for tag in TAGS]


@router.get("/department-kinds", summary="监管部门类别")
async def list_department_kinds() -> list[DepartmentKindRead]:
    """负有安全生产监督管理职责的部门类别及其默认监管的行业。"""
    return [DepartmentKindRead.model_validate(kind) for kind in DEPARTMENT_KINDS]
