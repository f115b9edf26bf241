"""Evidence attached to hazards — photos, PDF reports, short videos — that a regulator can trust:
the type is read from the bytes, the bytes are fingerprinted (SHA-256) and timed by the server,
a photo's GPS position is set against the enterprise's recorded location, and every upload is
appended to the hazard's audit trail."""

from __future__ import annotations

import asyncio
import hashlib
import io
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

import filetype
from PIL import ExifTags, Image, ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises.models import Enterprise
from hazards.evidence.models import Evidence
from hazards.evidence.storage import EvidenceStore
from hazards.hazard import service as hazards
from hazards.hazard.lifecycle import ENTERPRISE, HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard
from qingling.auth.principal import Principal
from qingling.auth.roles import ENTERPRISE_ROLES, STAFF_ROLES
from qingling.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType

MB = 1024 * 1024
HEAD_BYTES = 8192  # what the type is read from
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


@dataclass(frozen=True)
class EvidenceType:
    media_type: str
    title: str
    max_bytes: int
    pillow_format: str | None = None  # images: decoded on upload, re-encoded for the other side


TYPES = {
    kind.media_type: kind
    for kind in (
        EvidenceType("image/jpeg", "JPEG 图片", 10 * MB, "JPEG"),
        EvidenceType("image/png", "PNG 图片", 10 * MB, "PNG"),
        EvidenceType("application/pdf", "PDF 文件", 20 * MB),
        EvidenceType("video/mp4", "MP4 视频", 50 * MB),
        EvidenceType("video/quicktime", "MOV 视频", 50 * MB),
    )
}
ACCEPTED = "JPEG、PNG 图片（10 MB 以内），PDF 文件（20 MB 以内），MP4、MOV 视频（50 MB 以内）"


class UnsupportedEvidenceType(UnsupportedMediaType):
    code, title = "unsupported-evidence-type", f"不支持的证据文件类型：只接受{ACCEPTED}"


class EvidenceTooLarge(PayloadTooLarge):
    code, title = "evidence-too-large", f"证据文件过大：{ACCEPTED}"


class HazardClosed(Conflict):
    code, title = "hazard-closed", "隐患已销号或不予认定，不能再添加证据"


class EvidenceNotFound(NotFound):
    code, title = "evidence-not-found", "证据不存在或不在您的管辖范围内"


@dataclass(frozen=True)
class Examined:
    sha256: str
    position: tuple[float, float] | None  # (latitude, longitude) from an image's EXIF GPS


Read = Callable[[int], Awaitable[bytes]]


async def attach(
    session: AsyncSession,
    store: EvidenceStore,
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
    kind, content = await _receive(read)
    examined = await asyncio.to_thread(_examine, kind, content)
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
        filename=_display_name(filename),
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


async def _receive(read: Read) -> tuple[EvidenceType, bytes]:
    """The upload's type, from its first bytes — never its name or Content-Type — and then its
    bytes, read no further than that type's limit."""
    head = await read(HEAD_BYTES)
    detected = filetype.guess_mime(head)
    kind = TYPES.get(detected or "")
    if kind is None:
        raise UnsupportedEvidenceType(f"按文件内容识别为 {detected or '未知类型'}；只接受{ACCEPTED}")
    content = head + await read(kind.max_bytes + 1 - len(head))
    if len(content) > kind.max_bytes:
        raise EvidenceTooLarge(f"{kind.title}不能超过 {kind.max_bytes // MB} MB")
    return kind, content


def _examine(kind: EvidenceType, content: bytes) -> Examined:
    """CPU work, run off the event loop: the digest, and for an image a full decode (a file that
    only starts like a JPEG is refused) and its GPS position."""
    digest = hashlib.sha256(content).hexdigest()
    if kind.pillow_format is None:
        return Examined(digest, None)
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != kind.pillow_format:
                raise UnsupportedEvidenceType(f"文件开头像{kind.title}，但无法按{kind.title}打开")
            image.load()
            return Examined(digest, _gps_position(image))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedEvidenceType(f"{kind.title}已损坏或过大，无法打开") from exc


def _gps_position(image: Image.Image) -> tuple[float, float] | None:
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    try:
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef], "S")
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef], "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _degrees(dms: tuple, ref: str | bytes, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip().upper() == negative else value


def distance_m(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    d_phi, d_lambda = phi2 - phi1, math.radians(longitude2 - longitude1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def _display_name(filename: str | None) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    return name[-255:] or "未命名"


async def listing(session: AsyncSession, caller: Principal, hazard_id: int) -> list[Evidence]:
    await hazards.get(session, caller, hazard_id)
    query = select(Evidence).where(Evidence.hazard_id == hazard_id).order_by(Evidence.id)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Content:
    evidence: Evidence
    body: bytes
    original: bool  # False: an image re-encoded without its metadata


async def content(session: AsyncSession, store: EvidenceStore, caller: Principal, evidence_id: int) -> Content:
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None:
        raise EvidenceNotFound()
    try:
        hazard = await hazards.get(session, caller, evidence.hazard_id)
    except hazards.HazardNotFound:
        raise EvidenceNotFound() from None
    original = await store.get(evidence.sha256)
    kind = TYPES[evidence.media_type]
    # The uploader's side gets the bytes it sent. The other side gets images re-encoded without
    # EXIF and other metadata (device, time, place); PDF and video are served as stored — stripping
    # their metadata would take rewriting the document or the container, which is not done.
    if _same_side(caller, evidence, hazard) or kind.pillow_format is None:
        return Content(evidence, original, True)
    return Content(evidence, await asyncio.to_thread(without_metadata, original, kind.pillow_format), False)


def _same_side(caller: Principal, evidence: Evidence, hazard: Hazard) -> bool:
    if evidence.uploader_side == "enterprise":
        return caller.has(*ENTERPRISE_ROLES) and caller.enterprise_code == hazard.enterprise_code
    return caller.has(*STAFF_ROLES)


def without_metadata(content: bytes, pillow_format: str) -> bytes:
    """The picture alone: turned as its EXIF orientation says, then saved afresh with no EXIF,
    XMP, comments or text chunks. The colour profile and PNG transparency are kept — they are
    part of how the picture looks, not facts about it."""
    with Image.open(io.BytesIO(content)) as image:
        picture = ImageOps.exif_transpose(image)
    kept = {key: picture.info[key] for key in ("icc_profile", "transparency") if picture.info.get(key) is not None}
    picture.info = {}
    buffer = io.BytesIO()
    if pillow_format == "JPEG":
        picture.save(buffer, "JPEG", quality=95, **kept)
    else:
        picture.save(buffer, pillow_format, **kept)
    return buffer.getvalue()
