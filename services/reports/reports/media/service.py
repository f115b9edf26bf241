"""Photos, documents and videos from the public: checked by their content, and kept only as a copy
without the metadata that could point at the reporter (device, author, time, place), sealed.

The metadata is taken out on upload, not when a handler reads the file: what the reporter's phone
wrote into the file is then never on disk, in a backup or in a copy of the volume — only the copy a
handler would see. The copy is sealed with the service's sealing keys (``SealedFileStore``) under a
keyed digest of its content, so the same file sent twice is still kept once.

An upload stays "unattached" until a tip-off or an addition names its token. Unattached media count
against a quota per client address (kept as an HMAC, cleared once attached) and are purged — rows
and, when no other row names it, the file — after ``unattached_media_hours``.

Media from before this scheme (``cleaned`` false) are read as they were kept and stripped when read.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qingling import media
from qingling.auth.principal import Principal
from qingling.errors import NotFound, PayloadTooLarge, TooManyRequests
from qingling.limits import too_many, wait_text
from qingling.runtime import Runtime
from qingling.sealing import keyed_hash
from qingling.sweeps import AfterCommit
from reports.media.models import TipOffMedia
from reports.tipoffs import service as tipoffs

log = structlog.get_logger(__name__)

PURGE_BATCH = 200


class MediaNotFound(NotFound):
    code, title = "media-not-found", "文件不存在或不在您的管辖范围内"


class UploadQuotaExceeded(TooManyRequests):
    code, title = "upload-quota-exceeded", "从您的网络上传、尚未随举报提交的文件已达容量上限，请先提交举报或稍后再上传"


class OverUploadQuota(PayloadTooLarge):
    code, title = "over-upload-quota", "文件大于每个网络地址可暂存的未提交文件总容量"


async def upload(
    session: AsyncSession, runtime: Runtime, read: Callable[[int], Awaitable[bytes]], now: datetime, address: str
) -> TipOffMedia:
    uploader = keyed_hash(runtime.adapters.hash_key, f"unattached-media\x1f{address}")
    await _within_quota(session, runtime, uploader, 0, now)  # already full: refused before reading
    kind, received = await media.receive(read)
    await _within_quota(session, runtime, uploader, len(received), now)
    await asyncio.to_thread(media.examine, kind, received)  # an image is decoded in full, or refused
    content = await asyncio.to_thread(media.copy_without_metadata, received, kind)
    store = runtime.adapters.media
    key = store.name(content)
    await store.put(key, content)
    item = TipOffMedia(
        token=secrets.token_urlsafe(24),
        sha256=key,
        media_type=kind.media_type,
        size=len(content),
        side="reporter",
        received_at=now,
        cleaned=True,
        uploader_key=uploader,
    )
    session.add(item)
    await session.flush()
    return item


async def _within_quota(session: AsyncSession, runtime: Runtime, uploader: str, size: int, now: datetime) -> None:
    """Refuses an upload of ``size`` bytes that would take the address's unattached media in the
    window past the quota; Retry-After is when enough of them will have been purged. Two uploads
    from one address at the same instant may both pass: the quota bounds storage, it is not a
    lock (the per-address rate limit bounds how many come at once)."""
    quota = runtime.settings.unattached_media_bytes_per_address
    window = timedelta(hours=runtime.settings.unattached_media_hours)
    if size > quota:
        raise OverUploadQuota(f"每个网络地址暂存的未提交文件不超过 {quota // media.MB} MB")
    counted = (
        select(TipOffMedia.received_at, TipOffMedia.size)
        .where(
            TipOffMedia.uploader_key == uploader,
            TipOffMedia.tip_off_id.is_(None),
            TipOffMedia.received_at > now - window,
            TipOffMedia.received_at <= now,
        )
        .order_by(TipOffMedia.received_at)
    )
    held = (await session.execute(counted)).all()
    excess = sum(row.size for row in held) + max(size, 1) - quota  # size 0: is there room at all?
    if excess <= 0:
        return
    for received_at, kept in held:  # the oldest are purged first
        excess -= kept
        if excess <= 0:
            seconds = max(1, math.ceil((received_at + window - now).total_seconds()))
            raise too_many(
                UploadQuotaExceeded,
                seconds,
                f"请先提交举报（已上传的文件随举报提交后不再占用容量），或在 {wait_text(seconds)}后再上传",
            )


async def listing(session: AsyncSession, caller: Principal, tip_off_id: int) -> list[TipOffMedia]:
    await tipoffs.get(session, caller, tip_off_id)
    query = select(TipOffMedia).where(TipOffMedia.tip_off_id == tip_off_id).order_by(TipOffMedia.id)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Content:
    item: TipOffMedia
    body: bytes


async def content(session: AsyncSession, runtime: Runtime, caller: Principal, media_id: int) -> Content:
    """The kept copy (without metadata since upload); a file from before is stripped now."""
    item = await session.get(TipOffMedia, media_id)
    if item is None or item.tip_off_id is None:
        raise MediaNotFound()
    try:
        await tipoffs.get(session, caller, item.tip_off_id)
    except tipoffs.TipOffNotFound:
        raise MediaNotFound() from None
    try:
        body = await runtime.adapters.media.get(item.sha256)
    except KeyError:
        log.error("media file missing", media_id=item.id)
        raise MediaNotFound("文件已不在存储中") from None
    if not item.cleaned:
        try:
            body = await asyncio.to_thread(media.copy_without_metadata, body, media.MEDIA_TYPES[item.media_type])
        except media.UnsupportedMedia:
            # Never served with what its metadata might say; the file stays for the record.
            raise MediaNotFound("文件已损坏，无法去除其中的元数据后提供") from None
    return Content(item, body)


async def purge_unattached(session: AsyncSession, runtime: Runtime, now: datetime) -> AfterCommit | None:
    """A sweep pass: unattached media older than the window are deleted, and their files once the
    deletion has committed, unless another row still names the same content. Attached media lose
    the uploader's address HMAC (the quota no longer needs it)."""
    await session.execute(
        update(TipOffMedia)
        .where(TipOffMedia.tip_off_id.is_not(None), TipOffMedia.uploader_key.is_not(None))
        .values(uploader_key=None)
    )
    cutoff = now - timedelta(hours=runtime.settings.unattached_media_hours)
    stale_query = (
        select(TipOffMedia)
        .where(TipOffMedia.tip_off_id.is_(None), TipOffMedia.received_at <= cutoff)
        .order_by(TipOffMedia.id)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    stale = list((await session.execute(stale_query)).scalars())
    if not stale:
        return None
    keys = {item.sha256 for item in stale}
    for item in stale:
        await session.delete(item)
    await session.flush()
    named = select(func.distinct(TipOffMedia.sha256)).where(TipOffMedia.sha256.in_(keys))
    orphans = keys - set((await session.execute(named)).scalars())
    log.info("unattached media purged", media=len(stale), files=len(orphans))
    store = runtime.adapters.media

    async def remove_files() -> None:
        for key in orphans:
            await store.delete(key)

    return AfterCommit(remove_files)
