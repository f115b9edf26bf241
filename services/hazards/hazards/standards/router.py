from hazards.standards.schemas import StandardRead
from qingling.auth.access import public
from qingling.idempotency import APIRouter
from qingling.standards import STANDARDS

router = APIRouter(tags=["standards"], dependencies=[public()])


@router.get("/standards", summary="重大事故隐患判定标准")
async def list_standards() -> list[StandardRead]:
    """判定重大事故隐患的标准及其有效期。重大隐患须引用发现之日有效的版本。"""
    return [StandardRead.model_validate(standard, from_attributes=True) for standard in STANDARDS]
