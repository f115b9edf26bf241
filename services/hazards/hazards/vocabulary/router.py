"""The words of the hazards service's codes, for pages and integrators to show instead of codes:
the lifecycles' states and actions from their declarations, and the other coded values with the
titles the service itself uses (ledgers, figures)."""

from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.schemas import GRADE_TITLES, SOURCE_TITLES
from hazards.returns.lifecycle import RETURN_LIFECYCLE
from hazards.returns.schemas import KIND_TITLES
from hazards.vocabulary.schemas import HazardsVocabulary
from qingling.auth.access import public
from qingling.idempotency import APIRouter
from qingling.schemas import terms

router = APIRouter(tags=["vocabulary"], dependencies=[public()])


@router.get("/vocabulary", summary="代码的中文名称")
async def vocabulary() -> HazardsVocabulary:
    """隐患和报表的状态、操作，隐患等级、来源，报表种类：代码及其中文名称（行业领域见 `/industries`）。"""
    return HazardsVocabulary(
        hazard_states=HAZARD_LIFECYCLE.state_terms(),
        hazard_actions=HAZARD_LIFECYCLE.action_terms(),
        grades=terms(GRADE_TITLES),
        sources=terms(SOURCE_TITLES),
        return_states=RETURN_LIFECYCLE.state_terms(),
        return_actions=RETURN_LIFECYCLE.action_terms(),
        return_kinds=terms(KIND_TITLES),
    )
