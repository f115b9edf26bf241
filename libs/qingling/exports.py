"""One way to hand a table to a regulator: typed rows → JSON, CSV or .xlsx (xlsxwriter).

A ``Table`` is a title and typed columns (key, Chinese header, kind); its rows are mappings (or
pydantic models) whose values have the column's Python type. The ledgers of the hazards service
and the returns' tables are all written through here, so every download looks the same:

- .xlsx in the layout regulators use: a title row naming the jurisdiction and the moment, the
  Chinese header row under it, frozen and filtered, printed on every page; dates and times as
  real Excel dates (YYYY-MM-DD, YYYY-MM-DD HH:MM, Asia/Shanghai); widths from the content;
  long text wrapped. Text is always written as text, never as a formula.
- CSV: UTF-8 with a BOM (so Excel reads Chinese correctly), the header row first and nothing
  above it, so any tool can read it back; the title is in the file name. A text cell starting
  with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula (OWASP).
"""

from __future__ import annotations

import csv
import io
import types
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

import xlsxwriter
from pydantic import BaseModel, Field

from qingling.clock import SHANGHAI
from qingling.schemas import Schema

CSV = "text/csv"  # Starlette adds "; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
YES, NO = "是", "否"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MIN_WIDTH, _MAX_WIDTH = 6, 48  # in Excel's character units (a Chinese character is two)


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    PERCENT = "percent"  # a fraction (0.953), shown as 95.3%


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = Kind.TEXT


class ColumnRead(Schema):
    """表格的一列：字段名、中文表头、取值类型。"""

    key: str = Field(description="JSON 行中的字段名")
    header: str = Field(description="中文表头")
    kind: Literal["text", "integer", "number", "percent", "date", "datetime", "boolean"] = Field(
        description="取值类型：percent 为比例（0.953 即 95.3%）；date 为北京时间的日期（YYYY-MM-DD），"
        "datetime 显示为 YYYY-MM-DD HH:MM（北京时间）"
    )


@dataclass(frozen=True)
class Table:
    title: str  # e.g. 湖州市重大事故隐患清单（截至 2024-10-10 10:00）
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any] | BaseModel]
    sheet: str = "Sheet1"
    numbered: bool = True  # a 序号 column first, as regulators' tables have
    subtitle: str | None = None  # a line under the title, e.g. 填报单位：…　统计期间：…

    def values(self) -> list[list[Any]]:
        """Each row's values in column order, times in Asia/Shanghai (naive: what the sheet shows)."""
        out = []
        for row in self.rows:
            # attributes, not model_dump(): that would serialize the times (Timestamp) to text
            get = (lambda key, row=row: getattr(row, key, None)) if isinstance(row, BaseModel) else row.get
            out.append([_plain(get(column.key), column.kind) for column in self.columns])
        return out

    def described(self) -> list[ColumnRead]:
        return [ColumnRead(key=c.key, header=c.header, kind=c.kind.value) for c in self.columns]


def columns_of(model: type[BaseModel], *, exclude: Sequence[str] = ()) -> tuple[Column, ...]:
    """A row model's fields as columns: the header is the field's ``title``, the kind its type."""
    columns = []
    for key, field in model.model_fields.items():
        if key in exclude:
            continue
        if not field.title:
            raise ValueError(f"{model.__name__}.{key} needs a title (its Chinese header)")
        columns.append(Column(key, field.title, _kind(field.annotation)))
    return tuple(columns)


def _kind(annotation: Any) -> Kind:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    while get_origin(annotation) is not None and get_origin(annotation) is not Literal:  # Annotated[…]
        annotation = get_args(annotation)[0]
    if isinstance(annotation, type):
        for python, kind in ((bool, Kind.BOOLEAN), (int, Kind.INTEGER), (datetime, Kind.DATETIME), (date, Kind.DATE)):
            if issubclass(annotation, python):
                return kind
        if issubclass(annotation, float | Decimal):
            return Kind.NUMBER
    return Kind.TEXT


def _plain(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind is Kind.DATETIME:
        return value.astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
    if kind is Kind.DATE and isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    return value


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((["序号"] if table.numbered else []) + [column.header for column in table.columns])
    for number, values in enumerate(table.values(), start=1):
        cells = [_csv_cell(value, column.kind) for value, column in zip(values, table.columns, strict=True)]
        writer.writerow(([number] if table.numbered else []) + cells)
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if kind is Kind.BOOLEAN:
        return YES if value else NO
    if kind is Kind.DATETIME:
        return value.strftime("%Y-%m-%d %H:%M")
    if kind is Kind.DATE:
        return value.isoformat()
    if kind is Kind.PERCENT:
        return f"{value:.1%}"
    if kind is Kind.TEXT and str(value).startswith(_FORMULA_START):
        return "'" + str(value)
    return value


def to_xlsx(*tables: Table) -> bytes:
    """One worksheet per table (a return's several tables go in one workbook)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _Formats(workbook)
    for table in tables:
        _write_sheet(workbook.add_worksheet(table.sheet[:31]), table, formats)
    workbook.close()
    return buffer.getvalue()


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.subtitle = workbook.add_format({"align": "left", "valign": "vcenter"})
        self.header = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#D9E1F2",
            }
        )
        cell = {"border": 1, "valign": "top"}
        self.cells = {
            Kind.TEXT: workbook.add_format(cell | {"text_wrap": True}),
            Kind.INTEGER: workbook.add_format(cell),
            Kind.NUMBER: workbook.add_format(cell | {"num_format": "0.00"}),
            Kind.PERCENT: workbook.add_format(cell | {"num_format": "0.0%"}),
            Kind.DATE: workbook.add_format(cell | {"num_format": DATE_FORMAT}),
            Kind.DATETIME: workbook.add_format(cell | {"num_format": DATETIME_FORMAT}),
            Kind.BOOLEAN: workbook.add_format(cell | {"align": "center"}),
        }


def _write_sheet(sheet: Any, table: Table, formats: _Formats) -> None:
    columns = ([Column("", "序号", Kind.INTEGER)] if table.numbered else []) + list(table.columns)
    rows = [([number] if table.numbered else []) + values for number, values in enumerate(table.values(), start=1)]
    last = len(columns) - 1

    def banner(line: int, text: str, style: Any) -> None:
        if last > 0:
            sheet.merge_range(line, 0, line, last, text, style)
        else:
            sheet.write_string(line, 0, text, style)

    banner(0, table.title, formats.title)
    sheet.set_row(0, 30)
    if table.subtitle:
        banner(1, table.subtitle, formats.subtitle)
    head = 2 if table.subtitle else 1  # the header row
    for index, column in enumerate(columns):
        sheet.write_string(head, index, column.header, formats.header)
    for line, values in enumerate(rows, start=head + 1):
        for index, (value, column) in enumerate(zip(values, columns, strict=True)):
            cell = formats.cells[column.kind]
            if value is None:
                sheet.write_blank(line, index, None, cell)
            elif column.kind is Kind.BOOLEAN:
                sheet.write_string(line, index, YES if value else NO, cell)
            elif column.kind in (Kind.DATE, Kind.DATETIME):
                sheet.write_datetime(line, index, value, cell)
            elif column.kind in (Kind.INTEGER, Kind.NUMBER, Kind.PERCENT):
                sheet.write_number(line, index, value, cell)
            else:
                sheet.write_string(line, index, str(value), cell)
    for index, column in enumerate(columns):
        sheet.set_column(index, index, _width(column, [values[index] for values in rows]))
    sheet.freeze_panes(head + 1, 0)  # the title and the header stay in view
    sheet.autofilter(head, 0, head + max(1, len(rows)), last)
    sheet.repeat_rows(0, head)  # and are printed on every page
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)


def _width(column: Column, values: list[Any]) -> float:
    if column.kind is Kind.DATETIME:
        return 17
    if column.kind is Kind.DATE:
        return 12
    if column.kind is Kind.PERCENT:
        return float(max(_display_width(column.header) + 2, 9))
    widest = max([_display_width(column.header) + 2, *(_display_width(str(v)) + 1 for v in values if v is not None)])
    return float(min(max(widest, _MIN_WIDTH), _MAX_WIDTH))


def _display_width(text: str) -> int:
    """Columns a text takes: a Chinese (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the UTF-8 ``filename*``
    (RFC 6266, RFC 5987) that every current browser prefers."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
