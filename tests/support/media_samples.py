"""Small valid files whose metadata name the person who made them, built here rather than kept as
binaries: a PDF whose information dictionary and XMP name its author, and MP4/MOV videos (real
frames, encoded by FFmpeg through PyAV) whose metadata boxes carry a name and a GPS position
(``©xyz``, ISO 6709) — for tests that check nothing of it reaches a handler."""

from __future__ import annotations

import io
import struct

import av

GPS = "+30.5412+119.9781/"  # ISO 6709, as a phone writes it into ©xyz


def pdf_naming(author: str, creator: str, *, text: str = "Hazard report") -> bytes:
    """A one-page PDF with ``/Author`` and ``/Creator`` (and the author again in its XMP and an
    older revision's /Info, left behind by an incremental update)."""
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:xmp="http://ns.adobe.com/xap/1.0/"><dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq>'
        f"</dc:creator><xmp:CreatorTool>{creator}</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
    page = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        4: _stream(b"", page),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        6: _stream(b"/Type /Metadata /Subtype /XML", xmp),
        7: _literal_dictionary({"Author": author, "Creator": creator, "Producer": "WPS Office", "Title": "report"}),
    }
    document = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    first = _revision(document, objects, info=7, previous=None)
    # An incremental update: a new /Info, the old one still in the file.
    _revision(document, {8: _literal_dictionary({"Author": author, "Title": "report v2"})}, info=8, previous=first)
    return bytes(document)


def mp4_naming(title: str, location: str = GPS, *, size: int | None = None) -> bytes:
    """An MP4 (five frames) whose ``moov/udta`` carries ``meta/ilst`` tags (©nam, ©ART) and a
    ``©xyz`` position, with an XMP ``uuid`` box after the movie naming the author too; ``size``
    pads it with a ``free`` box to exactly that many bytes (the copy without metadata keeps it)."""
    video = bytearray(_encoded("mp4", {"title": title, "artist": title}))
    xyz = _box(b"\xa9xyz", _quicktime_string(location))
    xmp = _box(
        b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + f"<dc:creator>{title}</dc:creator>".encode()
    )
    # FFmpeg writes the movie box last, after the media data: growing it moves no chunk offset.
    moov_at = _last_box(video, b"moov")
    udta_at = _child(video, moov_at, b"udta")
    udta_end = udta_at + struct.unpack_from(">I", video, udta_at)[0]
    video[udta_end:udta_end] = xyz
    for at in (udta_at, moov_at):
        struct.pack_into(">I", video, at, struct.unpack_from(">I", video, at)[0] + len(xyz))
    video += xmp
    if size is not None:
        assert size >= len(video) + 8, f"an MP4 naming {title!r} takes {len(video) + 8} bytes at least"
        video += _box(b"free", bytes(size - len(video) - 8))
    return bytes(video)


def mov_naming(title: str, location: str = GPS) -> bytes:
    """A QuickTime MOV (five frames) with ``udta`` ©nam, ©ART and ©xyz, as FFmpeg's mov muxer writes them."""
    return _encoded("mov", {"title": title, "artist": title, "location": location})


def frames(video: bytes) -> int:
    """How many frames FFmpeg decodes from ``video``: a file it cannot read raises."""
    with av.open(io.BytesIO(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def _encoded(container_format: str, metadata: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as container:
        container.metadata.update(metadata)
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for shade in range(5):
            frame = av.VideoFrame(32, 32, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([shade * 40]) * plane.buffer_size)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _quicktime_string(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack(">HH", len(encoded), 0x15C7) + encoded  # length, language (und)


def _last_box(data: bytearray, kind: bytes) -> int:
    at, found = 0, None
    while at + 8 <= len(data):
        size, name = struct.unpack_from(">I4s", data, at)
        if name == kind:
            found = at
        at += size
    assert found is not None, kind
    return found


def _child(data: bytearray, parent: int, kind: bytes) -> int:
    end = parent + struct.unpack_from(">I", data, parent)[0]
    at = parent + 8
    while at < end:
        size, name = struct.unpack_from(">I4s", data, at)
        if name == kind:
            return at
        at += size
    raise AssertionError(f"no {kind!r} box")


def _stream(dictionary: bytes, content: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(content)) + content + b"\nendstream"


def _literal_dictionary(entries: dict[str, str]) -> bytes:
    def literal(text: str) -> bytes:
        if text.isascii():
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            return b"(" + escaped.encode() + b")"
        return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().encode() + b">"  # UTF-16 text string

    return b"<< " + b" ".join(b"/" + key.encode() + b" " + literal(value) for key, value in entries.items()) + b" >>"


def _revision(document: bytearray, objects: dict[int, bytes], *, info: int, previous: int | None) -> int:
    """Appends ``objects``, their cross-reference section and a trailer; answers where the section starts."""
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(document)
        document += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(document)
    document += b"xref\n"
    if previous is None:
        document += b"0 1\n0000000000 65535 f \n"
    for number, offset in sorted(offsets.items()):
        document += b"%d 1\n%010d 00000 n \n" % (number, offset)
    trailer = b"<< /Size %d /Root 1 0 R /Info %d 0 R" % (max(offsets) + 1, info)
    trailer += b" /ID [<8c3e1f0a5b7d49e2a6f0c4d2e9b17a53> <8c3e1f0a5b7d49e2a6f0c4d2e9b17a53>]"
    if previous is not None:
        trailer += b" /Prev %d" % previous
    document += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return xref
