"""The official-document renderer (qingling.documents): the PDF's text layer, read back with pypdf,
says what the document says — in Chinese, with its number — on numbered pages; a character the
bundled font lacks is marked, never dropped or fatal; lines break by the Chinese rules."""

import io
import re
from datetime import date

from pypdf import PdfReader

from qingling.documents import (
    MISSING,
    NO_START,
    Facts,
    Items,
    OfficialDocument,
    chinese_date,
    chinese_number,
    plain_text,
    render,
)

NOTICE = OfficialDocument(
    header="湖州市安全生产委员会办公室",
    number="湖安委办〔2026〕3号",
    title="关于对德清示范企业有限公司打磨车间除尘系统未设泄爆装置重大事故隐患挂牌督办的通知",
    addressee="德清示范企业有限公司",
    body=[
        "经认定，你单位打磨车间除尘系统未设泄爆装置，依据GM2023第五条(一)判定为重大事故隐患，现予挂牌督办。",
        Facts(rows=[("督办文号", "湖安委办〔2026〕3号"), ("整改期限", "2026年12月31日"), ("责任人", "王强")]),
        Items(entries=["立即停用打磨工位。", "按期完成整改，整改完成后申请销号。"]),
        "特此通知。",
    ],
    issuer="湖州市安全生产委员会办公室",
    date=date(2026, 11, 29),
    cc=["德清县安委办", "德清县应急管理局"],
)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """Without the line breaks and spaces the layout put in."""
    return "".join(text.split())


def test_the_text_layer_reads_back_every_part_of_the_document_in_chinese():
    pdf = render(NOTICE)
    assert pdf.startswith(b"%PDF-")
    text = _flat("".join(_pages(pdf)))
    for part in (
        "湖州市安全生产委员会办公室",
        "湖安委办〔2026〕3号",
        _flat(NOTICE.title),
        "德清示范企业有限公司：",
        "依据GM2023第五条(一)判定为重大事故隐患",
        "督办文号湖安委办〔2026〕3号",
        "整改期限2026年12月31日",
        "一、立即停用打磨工位。",
        "二、按期完成整改，整改完成后申请销号。",
        "特此通知。",
        "2026年11月29日",
        "抄送：德清县安委办，德清县应急管理局。",
        "—1—",
    ):
        assert part in text, part
    assert len(pdf) < 150_000  # the font is embedded as the subset the document uses


def test_the_plain_text_says_what_the_pdf_says():
    text = plain_text(NOTICE)
    assert text.splitlines()[:4] == [
        "湖州市安全生产委员会办公室",
        "湖安委办〔2026〕3号",
        NOTICE.title,
        "德清示范企业有限公司：",
    ]
    assert "整改期限：2026年12月31日" in text and text.endswith("抄送：德清县安委办，德清县应急管理局。")
    # word for word and in the same order; the PDF sets a fact's label and value in two cells, not "label："
    pdf_text = _flat("".join(_pages(render(NOTICE)))).removesuffix("—1—")
    assert pdf_text.replace("：", "") == _flat(text).replace("：", "")


def test_a_character_outside_the_font_is_marked_and_the_rest_still_renders():
    odd = OfficialDocument(
        title="整改指令书",
        issuer="德清县应急管理局",
        date=date(2026, 11, 29),
        addressee="德清喆堃科技有限公司",  # 喆, 堃: name characters outside GB 2312
        body=["责任人：王玥\u0007，联系电话 13857261234 🔥"],
    )
    text = _flat("".join(_pages(render(odd))))
    assert f"德清{MISSING}{MISSING}科技有限公司：" in text
    assert f"责任人：王{MISSING}，联系电话13857261234{MISSING}" in text


def test_a_long_document_numbers_its_pages_and_puts_the_cc_on_the_last():
    paragraphs = [f"第{n}段。" + "整改措施应当具体明确，责任落实到人。" * 6 for n in range(1, 13)]
    long = NOTICE.model_copy(update={"body": paragraphs})
    pages = _pages(render(long))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"— {number} —" in page
        assert ("抄送" in page) == (number == len(pages))
    assert "2026年11月29日" in _flat(pages[-1])


def test_a_fact_longer_than_a_page_goes_on_in_rows_of_its_own():
    description = "".join(f"第{n}处：配电箱前堆放杂物，消防通道被占用。" for n in range(1, 201))  # ~4,000 characters
    document = OfficialDocument(
        title="整改指令书",
        issuer="德清县应急管理局",
        date=date(2026, 1, 5),
        body=[Facts(rows=[("隐患描述", description)])],
    )
    pages = _pages(render(document))
    assert len(pages) > 3 and "（续）" in pages[1]
    text = re.sub(r"—\d+—", "", _flat("".join(pages))).replace("（续）", "")
    assert _flat(description) in text
    lines = [line.strip() for page in pages for line in page.splitlines()]
    assert not [line for line in lines if line and line[0] in NO_START]  # a cell cannot hang a mark: it takes one along


def test_lines_break_by_the_chinese_rules():
    document = OfficialDocument(
        title="通报",
        issuer="湖州市安委办",
        date=date(2026, 1, 5),
        body=["隐患整改，" * 40, "依据" + "GM2023第五条，" * 12],
    )
    lines = [line for page in _pages(render(document)) for line in page.splitlines() if line.strip()]
    assert not [line for line in lines if line.strip()[0] in NO_START]  # no line begins with a closing mark
    assert sum(line.count("GM2023") for line in lines) == 12  # a Latin word or number is never split


def test_a_long_issuer_name_stays_on_the_page():
    issuer = "浙江省湖州市德清县安全生产委员会办公室暨德清县重大事故隐患挂牌督办工作领导小组办公室（临时）"
    document = OfficialDocument(header=issuer, title="通报", issuer=issuer, date=date(2026, 1, 5), body=["特此通报。"])
    assert _flat(issuer) in _flat(_pages(render(document))[0])


def test_the_same_document_is_the_same_bytes():
    assert render(NOTICE) == render(NOTICE)


def test_numbers_and_dates_are_written_as_official_documents_write_them():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
