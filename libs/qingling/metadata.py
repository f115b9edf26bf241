"""Metadata taken out of PDF documents and MP4/MOV videos: what names the author, the device, the
time and the place rather than what the document or the video shows (``qingling.media`` does the
same for photos, with Pillow).

- PDF, with pikepdf (qpdf): the document information dictionary (/Author, /Creator, /Producer,
  /Title …), every XMP /Metadata stream (document, pages, images, fonts), applications' private
  /PieceInfo, comment authors and dates, and the trailer /ID (its first half is often a digest of
  the original file's name and time, so it links the copy to the sender's original). The file is
  written anew, so objects only earlier revisions referred to — an older /Info — are left behind.
- MP4/MOV (ISO base media file format): no maintained Python library removes every metadata box
  (mutagen deletes iTunes-style ``udta/meta/ilst`` tags, not ``udta/©xyz`` or QuickTime's
  ``moov/meta`` location keys). A box is simple to walk, so each ``udta``, ``meta``, ``uuid`` (XMP)
  and ``free``/``skip`` box at the top level and in ``moov``, ``trak``, ``mdia`` and ``minf`` is
  turned into a ``free`` box of the same size filled with zeros, and the creation and modification
  times of ``mvhd``, ``tkhd`` and ``mdhd`` are set to zero ("unknown"). Nothing moves, so the chunk
  offsets (``stco``/``co64``) and fragments stay right without being rewritten. What a timed
  metadata track carries inside ``mdat`` (a camera's GPS track) is not reached.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

import pikepdf


class Unreadable(ValueError):
    """The file is not a well-formed document or container of its type."""


# ---- PDF

_PDF_PRIVATE = ("/Metadata", "/PieceInfo", "/LastModified")
_ANNOTATION_PERSONAL = ("/T", "/M", "/CreationDate")  # a comment's author and times


def pdf_without_metadata(content: bytes) -> bytes:
    """The document written anew without its metadata. CPU work, for a thread."""
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    _drop(obj, _PDF_PRIVATE)
            for page in pdf.pages:
                for annotation in page.obj.get("/Annots", []):
                    # A form field's /T is its name, not a person's: kept.
                    if isinstance(annotation, pikepdf.Dictionary) and annotation.get("/Subtype") != "/Widget":
                        _drop(annotation, _ANNOTATION_PERSONAL)
            _drop(pdf.Root, _PDF_PRIVATE)
            _drop(pdf.trailer, ("/Info", "/ID"))
            buffer = io.BytesIO()
            # A new /ID computed from the content, so the same document is stored once; the
            # sender's encryption (if only an owner password restricted it) is not carried over.
            pdf.save(buffer, deterministic_id=True, encryption=False, fix_metadata_version=False)
    except (pikepdf.PdfError, pikepdf.PasswordError) as exc:
        raise Unreadable("PDF 文件已损坏或已加密，无法打开") from exc
    return buffer.getvalue()


def _drop(obj: pikepdf.Object, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in obj:
            del obj[key]


# ---- MP4 / MOV

_DESCEND = {b"moov", b"trak", b"mdia", b"minf"}
_BLANK = {b"udta", b"meta", b"uuid", b"free", b"skip"}
_TIMES = {b"mvhd", b"tkhd", b"mdhd"}


def isobmff_without_metadata(content: bytes) -> bytes:
    """The video with its metadata boxes blanked in place (same size, same offsets)."""
    data = bytearray(content)
    _clean(data, 0, len(data), top=True)
    return bytes(data)


def _clean(data: bytearray, start: int, end: int, *, top: bool) -> None:
    for kind, at, header, until in _boxes(data, start, end, top=top):
        if kind in _BLANK:
            data[at + 4 : at + 8] = b"free"
            data[at + header : until] = bytes(until - at - header)
        elif kind in _TIMES:
            _zero_times(data, at + header, until)
        elif kind in _DESCEND:
            _clean(data, at + header, until, top=False)


def _boxes(data: bytearray, start: int, end: int, *, top: bool) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, start, header length, end) of each box between start and end."""
    at = start
    while end - at >= 8:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            if end - at < 16:
                raise Unreadable("视频文件已损坏")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0 and top:  # the last box, to the end of the file
            size = end - at
        if size < header or at + size > end:
            raise Unreadable("视频文件已损坏")
        yield kind, at, header, at + size
        at += size
    # Fewer than 8 bytes left (QuickTime ends some lists with a zero word): not a box, zeroed.
    data[at:end] = bytes(end - at)


def _zero_times(data: bytearray, body: int, end: int) -> None:
    """mvhd, tkhd and mdhd start alike: version, flags, creation and modification time (32-bit
    each in version 0, 64-bit in version 1)."""
    width = 8 if data[body] == 1 else 4
    if end - body < 4 + 2 * width:
        raise Unreadable("视频文件已损坏")
    data[body + 4 : body + 4 + 2 * width] = bytes(2 * width)
