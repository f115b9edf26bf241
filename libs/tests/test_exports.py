"""The table writer (qingling.exports): columns from a row model, cells by kind, the .xlsx layout
and the CSV read back."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pydantic import BaseModel, Field

from qingling.exports import Column, Kind, Table, columns_of, content_disposition, to_csv, to_xlsx
from qingling.schemas import Timestamp


class Row(BaseModel):
    name: str = Field(title="名称")
    count: int = Field(title="数量")
    share: Decimal | None = Field(title="比例")
    due: date | None = Field(title="期限")
    at: Timestamp = Field(title="时间")
    done: bool = Field(title="已完成")
    code: str = Field(title="代码")


ROWS = [
    Row(name="德清县新市镇某化工有限公司", count=3, share=Decimal("0.75"), due=date(2024, 9, 30),
        at=datetime(2024, 9, 30, 16, 0, 59, tzinfo=UTC), done=True, code="a"),
    Row(name="=HYPERLINK(\"http://x\")", count=0, share=None, due=None,
        at=datetime(2024, 12, 31, 16, 30, tzinfo=UTC), done=False, code="b"),
]  # fmt: skip


def test_columns_come_from_the_field_titles_and_types():
    columns = columns_of(Row, exclude=("code",))
    assert [(c.key, c.header, c.kind) for c in columns] == [
        ("name", "名称", Kind.TEXT), ("count", "数量", Kind.INTEGER), ("share", "比例", Kind.NUMBER),
        ("due", "期限", Kind.DATE), ("at", "时间", Kind.DATETIME), ("done", "已完成", Kind.BOOLEAN),
    ]  # fmt: skip

    class Untitled(BaseModel):
        name: str

    with pytest.raises(ValueError, match="needs a title"):
        columns_of(Untitled)


def test_the_xlsx_has_a_title_a_frozen_header_and_typed_cells_in_beijing_time():
    table = Table("湖州市测试表（截至 2025-01-01 09:00）", columns_of(Row, exclude=("code",)), ROWS, sheet="测试")
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet.title == "测试" and sheet.freeze_panes == "A3" and sheet["A1"].value == table.title
    assert "A1:G1" in {str(merged) for merged in sheet.merged_cells.ranges}
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        ["序号", "名称", "数量", "比例", "期限", "时间", "已完成"],
        [1, "德清县新市镇某化工有限公司", 3, 0.75, datetime(2024, 9, 30), datetime(2024, 10, 1, 0, 0), "是"],
        [2, "=HYPERLINK(\"http://x\")", 0, None, None, datetime(2025, 1, 1, 0, 30), "否"],
    ]  # fmt: skip
    assert sheet["F3"].number_format == "yyyy-mm-dd hh:mm" and sheet["E3"].number_format == "yyyy-mm-dd"
    assert sheet["B4"].data_type == "s"  # text, never a formula
    widths = {letter: sheet.column_dimensions[letter].width for letter in "BCF"}
    assert widths["B"] > widths["C"] and widths["F"] >= 16  # the Chinese name is wide; a time fits


def test_a_workbook_of_several_tables_each_with_a_subtitle_line_and_rates_as_percentages():
    rates = [Column("region", "地区"), Column("rate", "按期整改率", Kind.PERCENT)]
    first = Table("按地区", rates, [{"region": "德清县", "rate": Decimal("0.9534")}], sheet="按地区",
                  subtitle="填报单位：湖州市安委办　统计期间：2025年3月")  # fmt: skip
    second = Table("按行业", [Column("industry", "行业")], [{"industry": "工贸"}], sheet="按行业", numbered=False)
    workbook = load_workbook(io.BytesIO(to_xlsx(first, second)))
    assert workbook.sheetnames == ["按地区", "按行业"]
    regions, industries = workbook["按地区"], workbook["按行业"]
    assert regions["A2"].value.startswith("填报单位") and regions.freeze_panes == "A4"
    assert [c.value for c in regions[3]] == ["序号", "地区", "按期整改率"]
    assert regions["C4"].value == pytest.approx(0.9534) and regions["C4"].number_format == "0.0%"
    assert industries.freeze_panes == "A3" and industries["A3"].value == "工贸"
    assert to_csv(first).decode("utf-8-sig").splitlines()[1] == "1,德清县,95.3%"


def test_the_csv_has_a_bom_the_header_first_and_defuses_formulas():
    columns = [Column("name", "名称"), Column("at", "时间", Kind.DATETIME), Column("done", "已完成", Kind.BOOLEAN)]
    table = Table("测试表", columns, ROWS, numbered=False)
    content = to_csv(table)
    assert content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["名称", "时间", "已完成"],
        ["德清县新市镇某化工有限公司", "2024-10-01 00:00", "是"],
        ['\'=HYPERLINK("http://x")', "2025-01-01 00:30", "否"],
    ]


def test_content_disposition_names_the_file_in_ascii_and_in_chinese():
    header = content_disposition("湖州市重大事故隐患清单_20250303-0900.xlsx", "major-hazards-330500.xlsx")
    assert header == (
        "attachment; filename=\"major-hazards-330500.xlsx\"; filename*=UTF-8''"
        "%E6%B9%96%E5%B7%9E%E5%B8%82%E9%87%8D%E5%A4%A7%E4%BA%8B%E6%95%85%E9%9A%90%E6%82%A3%E6%B8%85%E5%8D%95"
        "_20250303-0900.xlsx"
    )
