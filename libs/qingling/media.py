"""Files people send — photos, PDF documents, short videos — checked by their content, for any
service that takes uploads (evidence on hazards, photos and videos with a tip-off).

The type is read from the file's first bytes, never from its name or the Content-Type the client
claims: an executable renamed ``photo.jpg`` is refused, and so is a file that only starts like an
image (images are decoded in full on upload). Each type has its own size limit, and no more than
that limit is read. The bytes are fingerprinted (SHA-256) so what was received can be proven later,
and a photo's EXIF GPS position is read for the service to set against a place it knows.

A photo's EXIF names the device that took it, the time and the place. The side that sent it may
have it back as sent; whoever is on the other side (a regulator looking at an enterprise's photo,
an enterprise looking at a tip-off) gets ``without_metadata``: the picture re-encoded with none of it.
``copy_without_metadata`` does that for every accepted type: PDF documents and MP4/MOV videos lose
their author, device, time and place too (``qingling.metadata``).
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from PIL import ExifTags, Image, ImageOps

from qingling.errors import PayloadTooLarge, UnsupportedMediaType
from qingling.metadata import Unreadable, isobmff_without_metadata, pdf_without_metadata

MB = 1024 * 1024
HEAD_BYTES = 8192  # what the type is read from
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


@dataclass(frozen=True)
class MediaType:
    media_type: str
    title: str
    max_bytes: int
    pillow_format: str | None = None  # images: decoded on upload, re-encoded for the other side


MEDIA_TYPES = {
    kind.media_type: kind
    for kind in (
        MediaType("image/jpeg", "JPEG 图片", 10 * MB, "JPEG"),
        MediaType("image/png", "PNG 图片", 10 * MB, "PNG"),
        MediaType("application/pdf", "PDF 文件", 20 * MB),
        MediaType("video/mp4", "MP4 视频", 50 * MB),
        MediaType("video/quicktime", "MOV 视频", 50 * MB),
    )
}
ACCEPTED = "JPEG、PNG 图片（10 MB 以内），PDF 文件（20 MB 以内），MP4、MOV 视频（50 MB 以内）"


class UnsupportedMedia(UnsupportedMediaType):
    # The code stays the generic "unsupported-media-type" (codes are unique in the catalogue, so
    # it is inherited, not declared again); the title says what is accepted.
    title = f"不支持的文件类型：只接受{ACCEPTED}"


class MediaTooLarge(PayloadTooLarge):
    code, title = "media-too-large", f"文件过大：{ACCEPTED}"


Read = Callable[[int], Awaitable[bytes]]  # at most n bytes, b"" at the end — as UploadFile.read


@dataclass(frozen=True)
class Examined:
    sha256: str
    position: tuple[float, float] | None  # (latitude, longitude) from an image's EXIF GPS, WGS-84


async def receive(read: Read) -> tuple[MediaType, bytes]:
    """The upload's type, from its first bytes — never its name or Content-Type — and then its
    bytes, read no further than that type's limit (one byte more, to know it is over)."""
    head = await read(HEAD_BYTES)
    detected = filetype.guess_mime(head)
    kind = MEDIA_TYPES.get(detected or "")
    if kind is None:
        raise UnsupportedMedia(f"按文件内容识别为 {detected or '未知类型'}；只接受{ACCEPTED}")
    content = head + await read(kind.max_bytes + 1 - len(head))
    if len(content) > kind.max_bytes:
        raise MediaTooLarge(f"{kind.title}不能超过 {kind.max_bytes // MB} MB")
    return kind, content


def examine(kind: MediaType, content: bytes) -> Examined:
    """CPU work, for a thread off the event loop: the digest, and for an image a full decode (a
    file that only starts like a JPEG is refused) and its GPS position."""
    digest = hashlib.sha256(content).hexdigest()
    if kind.pillow_format is None:
        return Examined(digest, None)
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != kind.pillow_format:
                raise UnsupportedMedia(f"文件开头像{kind.title}，但无法按{kind.title}打开")
            image.load()
            return Examined(digest, _gps_position(image))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedMedia(f"{kind.title}已损坏或过大，无法打开") from exc


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


def without_metadata(content: bytes, pillow_format: str) -> bytes:
    """The picture alone: turned as its EXIF orientation says, then saved afresh with no EXIF,
    XMP, comments or text chunks. The colour profile and PNG transparency are kept — they are
    part of how the picture looks, not facts about it. CPU work, for a thread."""
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


def copy_without_metadata(content: bytes, kind: MediaType) -> bytes:
    """A copy of any accepted file for whoever is not its sender: a picture re-encoded
    (``without_metadata``), a PDF written anew without its information dictionary and XMP, a
    video with its metadata boxes blanked. A file that cannot be read as its type is refused
    (``UnsupportedMedia``). CPU work, for a thread."""
    if kind.pillow_format is not None:
        return without_metadata(content, kind.pillow_format)
    try:
        if kind.media_type == "application/pdf":
            return pdf_without_metadata(content)
        return isobmff_without_metadata(content)  # video/mp4, video/quicktime
    except Unreadable as exc:
        raise UnsupportedMedia(f"{kind.title}已损坏或已加密，无法打开") from exc


def distance_m(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    d_phi, d_lambda = phi2 - phi1, math.radians(longitude2 - longitude1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def display_name(filename: str | None) -> str:
    """The name a file was sent under, for display only: its last path part (either slash), at
    most 255 characters; "未命名" when there is none."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    return name[-255:] or "未命名"
