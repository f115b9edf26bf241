from typing import Annotated

from fastapi import Query

from qingling.auth.access import allow, public
from qingling.auth.principal import Principal
from qingling.auth.roles import STAFF_ROLES, Role
from qingling.clock import SHANGHAI
from qingling.db import DbSession
from qingling.errors import ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import BoundedDate, DbId
from qingling.lifecycle import NotTheAuthority, TransitionNotAllowed, action_routes
from qingling.pagination import Page, PageQuery
from qingling.regions import RegionCode
from qingling.runtime import CurrentRuntime
from reports.receipts.router import RECEIPT_PROBLEMS
from reports.receipts.service import HeldReceipt
from reports.rewards import actions, service
from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.rewards.schemas import Assessment, Claim, RewardRead, RewardRuleCreate, RewardRuleRead, TermsRead
from reports.tipoffs import service as tipoffs
from reports.tipoffs.schemas import ReporterView
from reports.tipoffs.service import TipOffNotFound

router = APIRouter(tags=["rewards"])
Staff = Annotated[Principal, allow(*STAFF_ROLES)]


@router.get("/reward-rules", summary="举报奖励办法", dependencies=[public()])
async def reward_rules(session: DbSession) -> list[RewardRuleRead]:
    """全国办法和各地的地方办法（地方办法只列出与上级不同的条款）。"""
    return [RewardRuleRead.model_validate(rule) for rule in await service.all_rules(session)]


@router.get(
    "/reward-rules/terms",
    summary="某地适用的奖励条款",
    responses=problem_responses(service.NoRuleInForce, ValidationFailed),
    dependencies=[public()],
)
async def reward_terms(
    session: DbSession,
    runtime: CurrentRuntime,
    region_code: Annotated[RegionCode, Query(description="事发地行政区划代码")],
    on: Annotated[BoundedDate | None, Query(description="举报日期，默认今天")] = None,
) -> TermsRead:
    """全国办法逐级叠加省、市、县的地方办法后，在该地该日适用的条款。"""
    on = on or runtime.clock.now().astimezone(SHANGHAI).date()
    terms = await service.terms_for(session, region_code, on)
    return TermsRead(region_code=region_code, on=on, **{**vars(terms), "rules": list(terms.rules)})


@router.post(
    "/reward-rules",
    summary="制定地方奖励办法",
    status_code=201,
    responses=problem_responses(
        service.RuleKeyTaken,
        service.RuleOutsideJurisdiction,
        service.RuleProvinceLevelOnly,
        service.RuleBeyondNational,
        service.RuleRetroactive,
        service.RuleOutOfRange,
        ValidationFailed,
    ),
)
async def add_reward_rule(
    body: RewardRuleCreate, caller: Annotated[Principal, allow(Role.ADMIN)], session: DbSession, runtime: CurrentRuntime
) -> RewardRuleRead:
    """省级（或国家级）系统管理员制定本辖区的地方办法或其新版本（按施行日期生效）；只填写与上级办法不同的条款。
    比例、最低额、最高额、每人死亡奖励额等高于全国办法的，须在 basis_document 中写明依据的地方文件。
    本地区已有评定奖励的举报在施行日期当天或之后收到的，不能施行（不能改变已评定的奖励）。"""
    return RewardRuleRead.model_validate(await service.add_rule(session, caller, body, runtime.clock.now()))


@router.post(
    "/tip-offs/{tip_off_id}/reward",
    summary="评定举报奖励",
    status_code=201,
    responses=problem_responses(
        TipOffNotFound,
        service.NotRewardable,
        service.AlreadyAssessed,
        service.BasisMismatch,
        service.PayingDepartmentOnly,
        ValidationFailed,
    ),
)
async def assess_reward(
    tip_off_id: DbId,
    body: Assessment,
    caller: Annotated[Principal, allow(Role.REGULATOR, Role.DEPARTMENT_LEADER)],
    session: DbSession,
    runtime: CurrentRuntime,
) -> RewardRead:
    """核查属实或部分属实后，由受理举报的部门按本地区奖励办法评定：奖励发给同一事项中最先举报且符合条件的举报人
    （只奖励实名举报的地区为最先实名举报的人）；单位或监管部门事先已掌握、举报人为监管人员的不予奖励。"""
    reward = await service.assess(session, runtime, caller, tip_off_id, body, runtime.clock.now())
    return service.to_read(reward, caller)


@router.get("/rewards", summary="举报奖励")
async def list_rewards(
    caller: Staff,
    session: DbSession,
    page: PageQuery,
    state: Annotated[REWARD_LIFECYCLE.State | None, Query(description="状态代码")] = None,
) -> Page[RewardRead]:
    rewards = await service.page(session, caller, page, state=state)
    return Page.of([service.to_read(r, caller) for r in rewards], page, rewards.total)


@router.get("/rewards/{reward_id}", summary="查看举报奖励", responses=problem_responses(service.RewardNotFound))
async def get_reward(reward_id: DbId, caller: Staff, session: DbSession) -> RewardRead:
    return service.to_read(await service.get(session, caller, reward_id), caller)


@router.post(
    "/receipts/tip-off/reward/claim",
    summary="凭回执领取奖励",
    tags=["receipts"],
    responses={
        **RECEIPT_PROBLEMS,
        **problem_responses(
            service.NoReward,
            service.AnonymousClaimNotAllowed,
            service.NotTheRewardedReporter,
            service.ClaimantMismatch,
            service.ClaimsThrottled,
            actions.ClaimPeriodOver,
            TransitionNotAllowed,
            ValidationFailed,
        ),
    },
)
async def claim_reward(body: Claim, held: HeldReceipt, session: DbSession, runtime: CurrentRuntime) -> ReporterView:
    """实名举报人填写与举报时一致的姓名和身份证号码；允许匿名领取的地区，匿名举报人在此登记身份，
    发放时核验身份证件。须在告知后的领取期限内。姓名或证件号码不一致的，每次记入办理记录；
    同一奖励多次不一致后暂停领取一段时间（429，Retry-After）。"""
    now = runtime.clock.now()
    await service.claim_by_receipt(session, runtime, held.id, body, now)
    return await tipoffs.reporter_view(session, held.id, now)


async def _act(session, runtime, caller, reward_id, transition, payload) -> RewardRead:
    now = runtime.clock.now()
    return service.to_read(await service.act(session, runtime, caller, reward_id, transition, payload, now), caller)


actions_router = action_routes(
    REWARD_LIFECYCLE,
    _act,
    prefix="/rewards",
    item="奖励",
    response_model=RewardRead,
    tags=["reward-actions"],
    problems=(
        service.RewardNotFound,
        NotTheAuthority,
        service.ClaimantMismatch,
        service.ClaimsThrottled,
        actions.ClaimPeriodOver,
        actions.PayoutAmountDiffers,
        ValidationFailed,
    ),
)
