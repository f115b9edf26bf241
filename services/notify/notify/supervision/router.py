from typing import Annotated

from fastapi import Query, Response

from notify.supervision import schemas, service
from notify.supervision.documents import ActDocumentNotIssued
from notify.supervision.lifecycle import STAFF, SUPERVISION_LIFECYCLE
from notify.supervision.schemas import ActKind, ActRead, ItemRef, ItemType
from qingling.audit import AuditEntryRead
from qingling.auth.access import HazardsReader, allow
from qingling.auth.principal import Principal
from qingling.auth.scopes import Scope
from qingling.db import DbSession
from qingling.documents import PDF_RESPONSE, download
from qingling.errors import problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.lifecycle import NotTheAuthority, action_routes
from qingling.pagination import Page, PageQuery
from qingling.runtime import CurrentRuntime

router = APIRouter(prefix="/supervision", tags=["supervision"])
Staff = Annotated[Principal, allow(*STAFF)]
# An enterprise's own systems read and answer what concerns it, as they follow their hazards.
Answering = Annotated[Principal, allow(scope=Scope.HAZARDS_WRITE)]
ISSUE_PROBLEMS = (
    service.NotAnOffice, service.ItemsNotFound, service.NothingSelected, service.TooManySelected,
    service.PartyOutsideJurisdiction, service.IntervieweeRequired,
)  # fmt: skip


@router.post("/urges", summary="催办", status_code=201, responses=problem_responses(*ISSUE_PROBLEMS))
async def issue_urge(body: schemas.UrgeCreate, caller: Staff, session: DbSession, runtime: CurrentRuntime) -> ActRead:
    """以本级安委办（安委办人员）或本部门（监管人员、部门负责人）的名义，对选定的事项（`items`），或按条件选出的
    本辖区已超期事项（`selection`，如某县全部超期隐患）催办：送达每个隐患的企业和督办部门、每个举报的承办部门
    （不告知被举报单位）、每个报表的报送部门，可要求限期回复（`reply_by`）。部门只能催办本部门督办的事项。
    每项都记入所涉隐患、举报、报表的台账。"""
    act = await service.issue_urge(session, caller, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


DOCUMENT = """编号文件（代字〔年份〕序号号，同一机关同类文件每年从 1 起），点名地区（下级政府）、部门、企业，可注明依据
（如某月排名）和涉及的事项。安委办可点名辖区内的地区、部门和企业；部门只能点名本行业的部门和辖区内的企业。"""


@router.post("/bulletins", summary="通报", status_code=201, responses=problem_responses(*ISSUE_PROBLEMS),
             description=DOCUMENT)  # fmt: skip
async def issue_bulletin(
    body: schemas.DocumentCreate, caller: Staff, session: DbSession, runtime: CurrentRuntime
) -> ActRead:
    act = await service.issue_document(session, caller, ActKind.BULLETIN, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


@router.post("/letters", summary="函告", status_code=201, responses=problem_responses(*ISSUE_PROBLEMS),
             description=DOCUMENT + "可要求限期书面回复（`reply_by`）。")  # fmt: skip
async def issue_letter(
    body: schemas.DocumentCreate, caller: Staff, session: DbSession, runtime: CurrentRuntime
) -> ActRead:
    act = await service.issue_document(session, caller, ActKind.LETTER, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


@router.post("/interviews", summary="约谈", status_code=201, responses=problem_responses(*ISSUE_PROBLEMS))
async def issue_interview(
    body: schemas.InterviewCreate, caller: Staff, session: DbSession, runtime: CurrentRuntime
) -> ActRead:
    """约谈企业主要负责人、部门负责人或下级政府：时间、地点、双方人员、要谈的问题，通知被约谈方。
    举行后记录（`/acts/{id}/hold`）：约谈情况和承诺事项，每项承诺成为一个期限，按时预警、催办，直至约谈机关确认完成。"""
    act = await service.issue_interview(session, caller, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


@router.get("/acts", summary="督办记录")
async def list_acts(
    caller: HazardsReader,
    session: DbSession,
    page: PageQuery,
    kind: Annotated[ActKind | None, Query(description="urge 催办；bulletin 通报；letter 函告；interview 约谈")] = None,
    state: Annotated[SUPERVISION_LIFECYCLE.State | None, Query(description="状态代码")] = None,
    item_type: Annotated[ItemType | None, Query(description="只看涉及该事项的（与 item_id 同用）")] = None,
    item_id: Annotated[DbId | None, Query()] = None,
) -> Page[ActRead]:
    """本辖区发出的和涉及本辖区的督办记录；企业看到涉及本企业的。按 ID 分页。"""
    item = ItemRef(item_type=item_type, item_id=item_id) if item_type and item_id else None
    acts = await service.page(session, caller, page, kind=kind, state=state, item=item)
    return Page.of(await service.to_reads(session, list(acts), caller), page, acts.total)


@router.get("/acts/{act_id}", summary="一项督办记录", responses=problem_responses(service.ActNotFound))
async def get_act(act_id: DbId, caller: HazardsReader, session: DbSession) -> ActRead:
    return await service.to_read(session, await service.visible(session, caller, act_id), caller)


@router.get("/acts/{act_id}/trail", summary="督办记录的台账", responses=problem_responses(service.ActNotFound))
async def act_trail(act_id: DbId, caller: HazardsReader, session: DbSession) -> list[AuditEntryRead]:
    return [AuditEntryRead.model_validate(e) for e in await service.trail(session, caller, act_id)]


@router.get(
    "/acts/{act_id}/document",
    summary="下载督办文书（PDF）",
    response_class=Response,
    responses={
        200: PDF_RESPONSE,
        **problem_responses(service.ActNotFound, ActDocumentNotIssued),
    },
)
async def act_document(act_id: DbId, caller: HazardsReader, session: DbSession) -> Response:
    """通报、函告（带文号）、催办通知，约谈安排后的约谈通知书、举行后的约谈记录（含承诺事项及期限）；内容与记录一致。
    企业下载的文书只列本企业。待安排或已取消的约谈没有文书（404 `act-document-not-issued`）。"""
    return await download(await service.document(session, caller, act_id))


@router.post(
    "/acts/{act_id}/replies",
    summary="回复督办",
    responses=problem_responses(service.ActNotFound, service.NotAParty, service.AlreadyReplied),
)
async def reply_to_act(
    act_id: DbId, body: schemas.ReplyWrite, caller: Answering, session: DbSession, runtime: CurrentRuntime
) -> ActRead:
    """被催办、被函告的企业或部门回复（整改进展、原因、措施）；回复送达发出机关，记入台账。每方每个事项回复一次。"""
    act = await service.reply(session, caller, act_id, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


@router.post(
    "/commitments/{commitment_id}/fulfil",
    summary="确认约谈承诺已完成",
    responses=problem_responses(service.CommitmentNotFound, service.NotAParty, service.CommitmentFulfilled),
)
async def fulfil_commitment(
    commitment_id: DbId, body: schemas.Fulfilment, caller: Staff, session: DbSession, runtime: CurrentRuntime
) -> ActRead:
    """约谈机关核实被约谈方已兑现承诺：该期限从看板撤下，不再提醒。"""
    act = await service.fulfil(session, caller, commitment_id, body, runtime.clock.now())
    return await service.to_read(session, act, caller)


async def _fire(session, runtime, caller, act_id, transition, payload) -> ActRead:
    act = await service.act_on(session, caller, act_id, transition.action, payload, runtime.clock.now())
    return await service.to_read(session, act, caller)


router.include_router(
    action_routes(
        SUPERVISION_LIFECYCLE,
        _fire,
        prefix="/acts",
        item="督办记录",
        response_model=ActRead,
        tags=["supervision"],
        problems=(
            service.ActNotFound,
            NotTheAuthority,
            service.IssuerNameRequired,
            service.IntervieweeRequired,
            service.PartyOutsideJurisdiction,
        ),
    )
)
