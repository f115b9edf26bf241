"""The words of the reports service's codes, for pages and integrators to show instead of codes:
the lifecycles' states and actions from their declarations, and the other coded values with the
titles the service itself uses (figures)."""

from qingling.auth.access import public
from qingling.idempotency import APIRouter
from qingling.schemas import terms
from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE
from reports.tipoffs.schemas import CATEGORY_TITLES, CHANNEL_TITLES, OUTCOME_TITLES
from reports.vocabulary.schemas import ReportsVocabulary

router = APIRouter(tags=["vocabulary"], dependencies=[public()])


@router.get("/vocabulary", summary="代码的中文名称")
async def vocabulary() -> ReportsVocabulary:
    """举报和奖励的状态、操作，举报类别、渠道、核查结论：代码及其中文名称。"""
    return ReportsVocabulary(
        tip_off_states=TIP_OFF_LIFECYCLE.state_terms(),
        tip_off_actions=TIP_OFF_LIFECYCLE.action_terms(),
        categories=terms(CATEGORY_TITLES),
        channels=terms(CHANNEL_TITLES),
        outcomes=terms(OUTCOME_TITLES),
        reward_states=REWARD_LIFECYCLE.state_terms(),
        reward_actions=REWARD_LIFECYCLE.action_terms(),
    )
