"""Report posters: an A4 PDF per registered enterprise, whose QR code opens the public report page
with the enterprise filled in. The code carries a token signed under the service's own key (an
HMAC over the credit code, with a version), not the enterprise's id, so nobody can make a poster
that names another enterprise, and the page learns the name only from the register.

    1.91330521MA2B3C4D5Q.<22 characters of HMAC-SHA256, base64url>
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import segno
import structlog
from fastapi import Response
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from starlette.concurrency import run_in_threadpool

from qingling import documents
from qingling.exports import content_disposition
from qingling.sealing import derive_key

log = structlog.get_logger(__name__)

VERSION = "1"
HOTLINE = "12350"
WIDTH, HEIGHT, MARGIN = 210.0, 297.0, 20.0  # mm, A4
QR_SIZE = 110.0  # mm: scanned from a couple of metres, and from a phone held close
BLUE = (11, 87, 163)


def signing_key(secret: str) -> bytes:
    """The posters' key, derived from the service's secret key."""
    return derive_key(secret, "poster")


def token(key: bytes, credit_code: str) -> str:
    return f"{VERSION}.{credit_code}.{_mac(key, credit_code)}"


def credit_code_of(key: bytes, signed: str) -> str | None:
    """The credit code a token was signed for; ``None`` for anything forged, altered or malformed."""
    version, _, rest = signed.partition(".")
    credit_code, _, mac = rest.partition(".")
    if version != VERSION or not credit_code or not hmac.compare_digest(mac, _mac(key, credit_code)):
        return None
    return credit_code


def _mac(key: bytes, credit_code: str) -> str:
    digest = hmac.new(key, f"poster:{VERSION}:{credit_code}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def report_url(base_url: str, signed: str) -> str:
    return f"{base_url.rstrip('/')}/h5/?e={signed}"


async def download(name: str, credit_code: str, key: bytes, base_url: str, now: datetime) -> Response:
    """The poster of an enterprise as a PDF attachment, rendered off the event loop."""
    url = report_url(base_url, token(key, credit_code))
    pdf = await run_in_threadpool(render, name, credit_code, url, now)
    filename = content_disposition(f"举报二维码海报-{name}.pdf", f"report-poster-{credit_code}.pdf")
    return Response(pdf, media_type=documents.PDF, headers={"Content-Disposition": filename})


def render(name: str, credit_code: str, url: str, made_at: datetime) -> bytes:
    """The poster as PDF bytes (CPU-bound: call it off the event loop)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_font("serif", "", str(documents.REGULAR))
    pdf.add_font("serif", "B", str(documents.BOLD))
    pdf.set_creation_date(made_at)
    pdf.set_lang("zh-CN")
    pdf.set_title(f"安全生产隐患举报二维码 {credit_code}")
    pdf.set_creator("清零 隐患举报与整改督办系统")
    pdf.add_page()
    width, missing = WIDTH - 2 * MARGIN, set()

    def lines(text: str, size: float, *, bold: bool = False, colour=documents.BLACK, height: float = 1.5) -> None:
        pdf.set_font("serif", "B" if bold else "", size)
        pdf.set_text_color(*colour)
        words = documents.printable(text, missing)
        for line in _wrap(pdf, words, width):
            pdf.cell(width, size * documents.PT * height, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_y(24)
    lines("扫码举报安全生产隐患", 36, bold=True, colour=BLUE)
    pdf.ln(4)
    lines(name, 22, bold=True)
    pdf.ln(6)
    _qr(pdf, url, (WIDTH - QR_SIZE) / 2, pdf.get_y(), QR_SIZE)
    pdf.set_y(pdf.get_y() + QR_SIZE + 4)
    lines(url, 9, colour=(78, 89, 105))
    pdf.ln(4)
    lines("用微信或手机浏览器扫一扫，举报本单位的事故隐患和违法行为", 14)
    lines("可以匿名；举报人信息依法保密，不会告知被举报单位", 14)
    pdf.ln(6)
    lines(f"举报电话 {HOTLINE}", 30, bold=True, colour=documents.RED)
    pdf.set_y(HEIGHT - MARGIN - 8)
    lines(f"统一社会信用代码 {credit_code}", 10, colour=(78, 89, 105))
    if missing:
        log.warning("poster_characters_missing", credit_code=credit_code, characters="".join(sorted(missing)))
    return bytes(pdf.output())


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of at most ``width`` mm, broken between any two characters (a name or a sentence)."""
    out, line = [], ""
    for char in text:
        if line and pdf.get_string_width(line + char) > width:
            out.append(line)
            line = ""
        line += char
    return [*out, line]


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """The QR code (error correction M, quiet zone of four modules) as filled rectangles: one
    per run of dark modules in a row — vector, sharp at any print size."""
    code = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    pdf.set_fill_color(*documents.BLACK)
    for r, row in enumerate(rows):
        start = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
                start = None
