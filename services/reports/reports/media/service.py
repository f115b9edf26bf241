"""Photos and videos from the public: checked by their content, kept under their SHA-256, and
shown to handlers without the metadata that could point at the reporter (device, time, place)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling import media
from qingling.auth.principal import Principal
from qingling.errors import NotFound
from qingling.runtime import Runtime
from reports.media.models import TipOffMedia
from reports.tipoffs import service as tipoffs


class MediaNotFound(NotFound):
    code, title = "media-not-found", "文件不存在或不在您的管辖范围内"


async def upload(session: AsyncSession, runtime: Runtime, read: Callable[[int], Awaitable[bytes]], now: datetime):
    kind, content = await media.receive(read)
    examined = await asyncio.to_thread(media.examine, kind, content)
    await runtime.adapters.media.put(examined.sha256, content)
    item = TipOffMedia(
        token=secrets.token_urlsafe(24),
        sha256=examined.sha256,
        media_type=kind.media_type,
        size=len(content),
        side="reporter",
        received_at=now,
    )
    session.add(item)
    await session.flush()
    return item


async def listing(session: AsyncSession, caller: Principal, tip_off_id: int) -> list[TipOffMedia]:
    await tipoffs.get(session, caller, tip_off_id)
    query = select(TipOffMedia).where(TipOffMedia.tip_off_id == tip_off_id).order_by(TipOffMedia.id)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Content:
    item: TipOffMedia
    body: bytes


async def content(session: AsyncSession, runtime: Runtime, caller: Principal, media_id: int) -> Content:
    """Images re-encoded without EXIF; PDF and video as stored (stripping their metadata would
    mean rewriting the document or the container)."""
    item = await session.get(TipOffMedia, media_id)
    if item is None or item.tip_off_id is None:
        raise MediaNotFound()
    try:
        await tipoffs.get(session, caller, item.tip_off_id)
    except tipoffs.TipOffNotFound:
        raise MediaNotFound() from None
    body = await runtime.adapters.media.get(item.sha256)
    kind = media.MEDIA_TYPES[item.media_type]
    if kind.pillow_format is not None:
        body = await asyncio.to_thread(media.without_metadata, body, kind.pillow_format)
    return Content(item, body)
