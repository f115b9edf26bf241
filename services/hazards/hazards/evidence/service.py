"""Evidence attached to hazards — photos, PDF reports, short videos — that a regulator can trust:
the type is read from the bytes, the bytes are fingerprinted (SHA-256) and timed by the server,
a photo's GPS position is set against the enterprise's recorded location, and every upload is
appended to the hazard's audit trail. Reading and checking the file is ``qingling.media``'s; keeping
its bytes, ``qingling.filestore``'s."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises.models import Enterprise
from hazards.evidence.models import Evidence
from hazards.hazard import service as hazards
from hazards.hazard.lifecycle import ENTERPRISE, HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard
from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, STAFF_ROLES
from qingling.errors import Conflict, NotFound
from qingling.filestore import FileStore
from qingling.media import MEDIA_TYPES, Read, copy_without_metadata, display_name, distance_m, examine, receive


class HazardClosed(Conflict):
    code, title = "hazard-closed", "隐患已销号或不予认定，不能再添加证据"


class EvidenceNotFound(NotFound):
    code, title = "evidence-not-found", "证据不存在或不在您的管辖范围内"


async def attach(
    session: AsyncSession,
    store: FileStore,
    caller: Principal,
    hazard_id: int,
    read: Read,
    filename: str | None,
    note: str | None,
    now: datetime,
) -> Evidence:
    hazard = await hazards.get(session, caller, hazard_id, for_update=True)  # 404 outside the caller's scope
    if hazard.state in HAZARD_LIFECYCLE.final:
        raise HazardClosed(f"隐患{HAZARD_LIFECYCLE.states[hazard.state]}，不能再添加证据")
    kind, content = await receive(read)
    examined = await asyncio.to_thread(examine, kind, content)
    # The other side will get a copy without metadata: a file that cannot be copied so is refused
    # now (415), not when it is downloaded.
    await asyncio.to_thread(copy_without_metadata, content, kind)
    enterprise = await session.get(Enterprise, hazard.enterprise_id)
    distance = None
    if examined.position is not None and enterprise.latitude is not None and enterprise.longitude is not None:
        distance = round(distance_m(*examined.position, enterprise.latitude, enterprise.longitude), 1)
    await store.put(examined.sha256, content)
    evidence = Evidence(
        hazard_id=hazard.id,
        sha256=examined.sha256,
        media_type=kind.media_type,
        size=len(content),
        received_at=now,
        uploaded_by=caller.subject,
        uploader_side="enterprise" if caller.has(*ENTERPRISE) else "regulator",
        filename=display_name(filename),
        note=note,
        gps_latitude=examined.position[0] if examined.position else None,
        gps_longitude=examined.position[1] if examined.position else None,
        distance_m=distance,
    )
    session.add(evidence)
    await session.flush()
    payload = {
        "evidence_id": evidence.id,
        "sha256": evidence.sha256,
        "media_type": evidence.media_type,
        "size": evidence.size,
        "distance_m": distance,
    }
    hazards.record_change(session, hazard, "attach_evidence", caller, now, payload)
    return evidence


async def listing(session: AsyncSession, caller: Principal, hazard_id: int) -> list[Evidence]:
    await hazards.get(session, caller, hazard_id)
    query = select(Evidence).where(Evidence.hazard_id == hazard_id).order_by(Evidence.id)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Content:
    evidence: Evidence
    body: bytes
    original: bool  # False: a copy without its metadata


async def content(session: AsyncSession, store: FileStore, caller: Principal, evidence_id: int) -> Content:
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None:
        raise EvidenceNotFound()
    try:
        hazard = await hazards.get(session, caller, evidence.hazard_id)
    except hazards.HazardNotFound:
        raise EvidenceNotFound() from None
    original = await store.get(evidence.sha256)
    kind = MEDIA_TYPES[evidence.media_type]
    # The uploader's side gets the bytes it sent. The other side gets a copy without metadata
    # (device, time, place, author): images re-encoded, PDFs rewritten, videos' metadata blanked.
    if _same_side(caller, evidence, hazard):
        return Content(evidence, original, True)
    return Content(evidence, await asyncio.to_thread(copy_without_metadata, original, kind), False)


def _same_side(caller: Principal, evidence: Evidence, hazard: Hazard) -> bool:
    if evidence.uploader_side == "enterprise":
        return caller.has(*ENTERPRISE_ROLES) and caller.enterprise_code == hazard.enterprise_code
    return caller.has(*STAFF_ROLES)
