"""Official documents (公文) as PDF, laid out after GB/T 9704-2012 (党政机关公文格式) in spirit.

A document is described, not drawn: an ``OfficialDocument`` names the issuer, its number, title,
addressee, body (paragraphs, numbered items, tables of facts), signature, date and 抄送; ``render``
turns it into PDF bytes and ``plain_text`` into the same words as text (for a trail or a message).
Every download of the same document is the same bytes (the PDF's dates are the document's date).

    document = OfficialDocument(
        header="德清县应急管理局",                      # 发文机关标志, red; None: no red header
        number="德应急督〔2026〕3号",                   # 发文字号, centred under the header
        title="重大事故隐患挂牌督办通知书",
        addressee="德清示范企业有限公司",                # 主送机关 (a colon is added)
        body=[
            "你单位存在下列重大事故隐患……",             # a paragraph: two characters' first-line indent
            Facts(rows=[("隐患名称", "……"), ("整改期限", "2026年12月31日")]),
            Items(entries=["立即……", "按期……"]),       # 一、二、… (or （一）, 1．)
        ],
        issuer="德清县应急管理局",                      # 发文机关署名 (``signature`` overrides it)
        date=date(2026, 11, 29),                       # 成文日期: 2026年11月29日
        cc=["德清县安委办"],                            # 抄送, at the foot of the last page
    )
    pdf = render(document)

The layout: A4, 版心 156 × 225 mm (margins 37 top, 28 left, 26 right, 35 bottom); the header in
red bold over a red line, the number between them; the title centred in a larger bold face; the
body at 16 pt (三号) with a 2-character indent; the signature centred over the date, the date four
characters from the right; page numbers "— 1 —" at the foot, odd pages right and even pages left.

Library: fpdf2 — pure Python and maintained (py-pdf), no system libraries (unlike WeasyPrint's
Pango/Cairo), embeds a subset of a TrueType font with a ToUnicode map so the text layer reads back
as the Chinese it shows. The font is Noto Serif CJK SC (SIL OFL 1.1, ``fonts/OFL.txt``), bundled
as a GB 2312 subset with TrueType outlines (``scripts/subset_cjk_font.py`` says why and how).
A character the font lacks (a rare name character outside GB 2312) is drawn as 〓, the typesetter's
mark for a missing character, and logged — the document is still made, never a 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

import structlog
from fastapi import Response
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from qingling.clock import SHANGHAI
from qingling.exports import content_disposition

log = structlog.get_logger(__name__)

PDF = "application/pdf"
FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "NotoSerifCJKsc-Regular-GB2312.ttf"
BOLD = FONTS / "NotoSerifCJKsc-Bold-GB2312.ttf"
MISSING = "〓"  # GB 2312 A1FE, the 缺字 mark

RED = (230, 0, 18)
BLACK = (0, 0, 0)
TOP, LEFT, RIGHT, BOTTOM = 37.0, 28.0, 26.0, 35.0  # mm, GB/T 9704 §5.2.1
BODY_PT, TITLE_PT, HEADER_PT, NUMBER_PT, PAGE_PT, TABLE_PT = 16, 22, 30, 16, 14, 14
LINE = 10.2  # mm: 22 lines in the 225 mm 版心
TABLE_LINE = 7.5
LABEL_WIDTH, PADDING = 44.0, 2.0  # mm: a facts table's label column and its cells' side padding
ROW_LINES = 20  # a table row's most lines: well within one 版心 (225 mm)
PT = 0.3528  # mm
INDENT = "\u3000\u3000"  # a paragraph's first line: two characters in
# 避头尾: what may not begin a line (it hangs at the end of the one before) and what may not end one.
NO_START = frozenset("，。、；：？！）］｝〕》〉」』】〗”’…·％,.;:?!)]}%")
NO_END = frozenset("（［｛〔《〈「『【〖“‘([{")


class Items(BaseModel):
    """编号的事项：一、二、……（或（一）（二）……、1．2．……），每项首行缩进两字。"""

    model_config = ConfigDict(frozen=True)

    entries: list[str]
    style: Literal["一、", "（一）", "1．"] = "一、"

    def numbered(self) -> Iterator[str]:
        for index, entry in enumerate(self.entries, start=1):
            if self.style == "一、":
                yield f"{chinese_number(index)}、{entry}"
            elif self.style == "（一）":
                yield f"（{chinese_number(index)}）{entry}"
            else:
                yield f"{index}．{entry}"


class Facts(BaseModel):
    """要素表：两列（项目、内容），带框线；内容过长的自动换行。"""

    model_config = ConfigDict(frozen=True)

    rows: list[tuple[str, str]]


Block = str | Items | Facts


class OfficialDocument(BaseModel):
    """一份公文的内容（不含版式）。"""

    model_config = ConfigDict(frozen=True)

    title: str = Field(description="标题")
    issuer: str = Field(description="发文机关（署名）")
    date: dt.date = Field(description="成文日期")
    header: str | None = Field(default=None, description="发文机关标志（红头）；None 不印红头")
    number: str | None = Field(default=None, description="发文字号，如 湖安委办〔2026〕3号")
    addressee: str | None = Field(default=None, description="主送机关")
    body: list[Block] = Field(default_factory=list, description="正文：段落、编号事项、要素表，按顺序")
    signature: str | None = Field(default=None, description="发文机关署名；默认为发文机关")
    cc: list[str] = Field(default_factory=list, description="抄送机关")


def chinese_date(day: date) -> str:
    """成文日期的写法（GB/T 9704-2012 §7.3.5.1）：阿拉伯数字，年份写全，月日不编虚位。"""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_number(n: int) -> str:
    """1–99 as 一 … 九十九 (the numbering of items)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def plain_text(document: OfficialDocument) -> str:
    """The document's words in reading order, one block a line — what the PDF says, as text."""
    lines = [line for line in (document.header, document.number, document.title) if line]
    if document.addressee:
        lines.append(_addressee(document.addressee))
    for block in document.body:
        if isinstance(block, Facts):
            lines += [f"{label}：{value}" for label, value in block.rows]
        elif isinstance(block, Items):
            lines += list(block.numbered())
        else:
            lines.append(block)
    lines += [document.signature or document.issuer, chinese_date(document.date)]
    if document.cc:
        lines.append(_cc(document.cc))
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class IssuedDocument:
    """A document ready to download: what it says, and the names its file goes by."""

    document: OfficialDocument
    filename: str  # Chinese, for filename*
    fallback: str  # ASCII, for filename


# The OpenAPI answer of a route that serves one (``responses={200: PDF_RESPONSE, …}``).
PDF_RESPONSE = {
    "content": {PDF: {}},
    "description": "公文版式的 PDF，文字可复制、检索",
    "headers": {
        "Content-Disposition": {
            "description": "attachment；filename 为 ASCII 名，filename* 为中文名（RFC 6266/5987）",
            "schema": {"type": "string"},
        }
    },
}


async def download(issued: IssuedDocument) -> Response:
    """The document as a PDF attachment, rendered off the event loop (a fraction of a second of CPU)."""
    pdf = await run_in_threadpool(render, issued.document)
    headers = {"Content-Disposition": content_disposition(issued.filename, issued.fallback)}
    return Response(pdf, media_type=PDF, headers=headers)


def render(document: OfficialDocument) -> bytes:
    """The document as PDF bytes. CPU-bound (tens of milliseconds to subset the font): call it off
    the event loop (``run_in_threadpool``) in a route."""
    pdf = _Page(document)
    pdf.add_page()
    if document.header:
        pdf.red_header(document.header, document.number)
    elif document.number:
        pdf.write_line(document.number, BODY_PT, align=Align.R)
        pdf.ln(LINE / 2)
    pdf.ln(LINE)
    pdf.title_lines(document.title)
    pdf.ln(LINE / 2)
    if document.addressee:
        pdf.write_line(_addressee(document.addressee), BODY_PT)
    for block in document.body:
        if isinstance(block, Facts):
            pdf.facts(block)
        elif isinstance(block, Items):
            for entry in block.numbered():
                pdf.paragraph(entry)
        else:
            pdf.paragraph(block)
    pdf.signature(document.signature or document.issuer, chinese_date(document.date))
    if document.cc:
        pdf.cc(_cc(document.cc))
    if pdf.missing:
        log.warning("document_characters_missing", title=document.title, characters="".join(sorted(pdf.missing)))
    return bytes(pdf.output())


def _addressee(name: str) -> str:
    return name if name.endswith(("：", ":")) else f"{name}："


def _cc(names: Sequence[str]) -> str:
    return f"抄送：{'，'.join(names)}。"


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _break_point(line: str, following: str) -> int:
    """How much of a full ``line`` stays on it when ``following`` does not fit: all of it, or less
    so that a Latin word or number is not split and no opening mark ends the line (never nothing)."""
    keep = len(line)
    if _latin(following):
        while keep and _latin(line[keep - 1]):
            keep -= 1
    while keep and line[keep - 1] in NO_END:
        keep -= 1
    return keep or len(line)


@functools.cache
def _covered() -> frozenset[int]:
    """The code points both bundled faces can draw."""
    maps = [TTFont(path, lazy=True)["cmap"].getBestCmap() for path in (REGULAR, BOLD)]
    return frozenset(maps[0]).intersection(maps[1])


def printable(text: str, missing: set[str]) -> str:
    """``text`` as the bundled fonts can draw it: other characters become 〓 (and go into
    ``missing``), control characters go."""
    covered, out = _covered(), []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n":
            out.append(char)
        elif char == "\t":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif ord(char) in covered:
            out.append(char)
        else:
            missing.add(char)
            out.append(MISSING)
    return "".join(out)


class _Page(FPDF):
    """fpdf2 with the GB/T 9704 page: margins, fonts, the page number in the footer."""

    def __init__(self, document: OfficialDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.missing: set[str] = set()
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.add_font("serif", "", str(REGULAR))
        self.add_font("serif", "B", str(BOLD))
        self.set_font("serif", "", BODY_PT)
        self.c_margin = 0  # text starts at the 版心's edge
        moment = datetime.combine(document.date, time(), tzinfo=SHANGHAI)
        self.set_creation_date(moment)  # the same document, the same bytes
        self.set_lang("zh-CN")
        self.set_title(self.printable(document.title))
        self.set_author(self.printable(document.issuer))
        self.set_subject(self.printable(document.number or document.title))
        self.set_creator("清零 隐患举报与整改督办系统")
        self.set_producer("fpdf2")

    @property
    def width(self) -> float:
        return self.w - LEFT - RIGHT

    def printable(self, text: str) -> str:
        return printable(text, self.missing)

    def wrap(self, text: str, width: float, *, hang: bool = True) -> list[str]:
        """``text`` broken into lines of at most ``width`` mm in the current font: between any two
        Chinese characters, never inside a Latin word or number, with 避头尾 — a closing mark that
        does not fit hangs at the end of the line (``hang``; in a table cell, which cannot hang, it
        takes the character before it down with it), an opening mark moves down with what follows."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for char in paragraph:
                if not line or self.get_string_width(line + char) <= width + 0.01 or (hang and char in NO_START):
                    line += char
                    continue
                keep = _break_point(line, char)
                if char in NO_START and keep == len(line) and len(line) > 1:
                    keep -= 1  # the closing mark may not begin a line: the character before it comes along
                lines.append(line[:keep])
                line = line[keep:] + char
            lines.append(line)
        return lines

    def write_line(self, text: str, size: float, *, align: Align = Align.L, bold: bool = False) -> None:
        self.set_font("serif", "B" if bold else "", size)
        for line in self.wrap(self.printable(text), self.width):
            self.cell(self.width, LINE, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def red_header(self, header: str, number: str | None) -> None:
        """发文机关标志 in red, shrunk to one line (down to 三号; longer still, on two); the number
        centred under it; the red line."""
        header, size = self.printable(header), HEADER_PT
        self.set_font("serif", "B", size)
        while size > BODY_PT and self.get_string_width(header) > self.width:
            size -= 1
            self.set_font_size(size)
        self.set_text_color(*RED)
        for line in self.wrap(header, self.width, hang=False):
            self.cell(self.width, size * PT * 1.4, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)
        self.ln(LINE)
        if number:
            self.write_line(number, NUMBER_PT, align=Align.C)
        y = self.get_y() + 2
        self.set_draw_color(*RED)
        self.set_line_width(0.6)
        self.line(LEFT, y, self.w - RIGHT, y)
        self.set_draw_color(*BLACK)
        self.set_y(y)

    def title_lines(self, title: str) -> None:
        self.set_font("serif", "B", TITLE_PT)
        for line in self.wrap(self.printable(title), self.width):
            self.cell(self.width, TITLE_PT * PT * 1.6, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str) -> None:
        """Body text: each line of ``text`` a paragraph, its first line two characters in."""
        self.set_font("serif", "", BODY_PT)
        for paragraph in text.splitlines() or [""]:
            for line in self.wrap(INDENT + self.printable(paragraph.strip()), self.width):
                self.cell(self.width, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, facts: Facts) -> None:
        self.ln(2)
        self.set_font("serif", "", TABLE_PT)
        with self.table(
            col_widths=(LABEL_WIDTH, self.width - LABEL_WIDTH),
            width=self.width,
            first_row_as_headings=False,
            text_align=(Align.C, Align.L),
            line_height=TABLE_LINE,
            wrapmode=WrapMode.CHAR,
            padding=(1.5, PADDING),
        ) as table:
            for label, value in facts.rows:
                labels = self.wrap(self.printable(label), LABEL_WIDTH - 2 * PADDING - 0.5, hang=False)
                values = self.wrap(self.printable(value), self.width - LABEL_WIDTH - 2 * PADDING - 0.5, hang=False)
                # fpdf2 never splits a row across pages: a long value goes on in rows of its own (续)
                for start in range(0, max(len(values), 1), ROW_LINES):
                    row = table.row()
                    row.cell("\n".join(labels) if start == 0 else "（续）")
                    row.cell("\n".join(values[start : start + ROW_LINES]))
        self.ln(2)

    def signature(self, signature: str, day: str) -> None:
        """The signature centred over the date; the date four characters in from the right."""
        self.set_font("serif", "", BODY_PT)
        if self.get_y() + 3 * LINE > self.h - BOTTOM:
            self.add_page()
        self.ln(LINE)
        em = BODY_PT * PT  # one character
        day_width = self.get_string_width(day)
        centre = self.w - RIGHT - 4 * em - day_width / 2
        for line in self.wrap(self.printable(signature), self.width, hang=False):
            width = self.get_string_width(line)
            self.set_x(max(LEFT, min(centre - width / 2, self.w - RIGHT - width)))
            self.cell(width, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_x(centre - day_width / 2)
        self.cell(day_width, LINE, day, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def cc(self, text: str) -> None:
        """版记: 抄送 between two thin lines at the foot of the last page, one character in."""
        self.set_font("serif", "", TABLE_PT)
        inset = TABLE_PT * PT
        lines = self.wrap(self.printable(text), self.width - 2 * inset)
        height = len(lines) * TABLE_LINE + 4
        if self.get_y() + height > self.h - BOTTOM:
            self.add_page()
        top = self.h - BOTTOM - height
        self.set_line_width(0.35)
        self.line(LEFT, top, self.w - RIGHT, top)
        self.set_y(top + 2)
        for line in lines:
            self.set_x(LEFT + inset)
            self.cell(self.width - 2 * inset, TABLE_LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.line(LEFT, self.h - BOTTOM, self.w - RIGHT, self.h - BOTTOM)

    def footer(self) -> None:
        """— 1 —: 4号 (14 pt), 7 mm under the 版心, odd pages right and even pages left, one character in."""
        self.set_y(self.h - BOTTOM + 7)
        self.set_font("serif", "", PAGE_PT)
        self.set_text_color(*BLACK)
        number = f"— {self.page_no()} —"
        inset = PAGE_PT * PT
        width = self.get_string_width(number)
        self.set_x(self.w - RIGHT - inset - width if self.page_no() % 2 else LEFT + inset)
        self.cell(width, 7, number)
