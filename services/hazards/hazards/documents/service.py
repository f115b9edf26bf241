"""A hazard's documents: which step issues each, whether the hazard has reached it, and the
document built from what that step recorded. Visible to exactly whom the hazard is visible
(``hazard.service.get``: outside scope, 404 like the hazard itself)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.documents import builders
from hazards.documents.schemas import DocumentKind, StepTrail
from hazards.enterprises.models import Enterprise
from hazards.hazard import service as hazards
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard, HazardAudit
from qingling.auth.principal import Principal
from qingling.documents import IssuedDocument
from qingling.errors import NotFound

TITLES = {
    DocumentKind.RECTIFICATION_ORDER: "整改指令书",
    DocumentKind.LISTING_NOTICE: "挂牌督办通知书",
    DocumentKind.CLOSE_OUT_NOTICE: "销号通知",
}


class DocumentNotIssued(NotFound):
    code, title = "document-not-issued", "隐患尚未到达出具此文书的环节，没有这份文书"


async def issued(session: AsyncSession, caller: Principal, hazard_id: int, kind: DocumentKind) -> IssuedDocument:
    hazard = await hazards.get(session, caller, hazard_id)
    enterprise = await session.get(Enterprise, hazard.enterprise_id)
    details, state = hazard.details, HAZARD_LIFECYCLE.states[hazard.state]
    if kind is DocumentKind.RECTIFICATION_ORDER:
        action = "confirm_major" if hazard.grade == "major" else "accept_general"
        recorded = details.confirmation if hazard.grade == "major" else details.order
        step = await _step(session, hazard, action) if recorded is not None else None
        if step is None:
            raise DocumentNotIssued(f"隐患 {hazard.id} 尚未确认或受理，还没有下达整改指令（当前状态：{state}）")
        document = builders.rectification_order(hazard, enterprise, step)
    elif kind is DocumentKind.LISTING_NOTICE:
        if details.listing is None or hazard.lister_name is None:
            raise DocumentNotIssued(f"隐患 {hazard.id} 未挂牌督办，没有挂牌督办通知书（当前状态：{state}）")
        document = builders.listing_notice(hazard, enterprise)
    else:
        step = await _step(session, hazard, "close") if hazard.state == "closed" and details.close_out else None
        if step is None:
            why = "尚未销号" if hazard.state != "closed" else "的销号不是在本系统中办理的（导入的历史台账）"
            raise DocumentNotIssued(f"隐患 {hazard.id} {why}，没有销号通知（当前状态：{state}）")
        document = builders.close_out_notice(hazard, enterprise, step)
    return IssuedDocument(
        document=document,
        filename=f"{document.title}_隐患{hazard.id}.pdf",
        fallback=f"hazard-{hazard.id}-{kind.value}.pdf",
    )


async def _step(session: AsyncSession, hazard: Hazard, action: str) -> builders.Step | None:
    """The latest trail entry of ``action`` on the hazard: when it was taken and who acted."""
    query = (
        select(HazardAudit)
        .where(HazardAudit.subject_id == hazard.id, HazardAudit.action == action)
        .order_by(HazardAudit.seq.desc())
        .limit(1)
    )
    entry = (await session.execute(query)).scalar_one_or_none()
    if entry is None:
        return None
    return builders.Step(at=entry.at, trail=StepTrail.model_validate(entry.payload))
