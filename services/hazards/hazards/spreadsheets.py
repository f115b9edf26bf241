"""Reading .xlsx uploads (openpyxl, read-only) the same way everywhere: a header row of Chinese
column names, one record per row, every bad row and cell named in one answer, nothing stored
unless the whole file is good."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ValidationError

from qingling.errors import FieldError, PayloadTooLarge, ValidationFailed, field_errors

Model = TypeVar("Model", bound=BaseModel)


class NotASpreadsheet(ValidationFailed):
    code, title = "not-a-spreadsheet", "上传的文件不是有效的 Excel（.xlsx）文件"


class RowsRejected(ValidationFailed):
    code, title = "rows-rejected", "表格中有错误，未导入任何数据；请按提示逐行修改后重新上传"


@dataclass(frozen=True)
class SheetSpec:
    columns: Mapping[str, tuple[str, ...]]  # column title → where its value goes in the record
    required: Sequence[str]
    example: Sequence[Any]
    convert: Callable[[str, Any], Any] = lambda _column, value: value  # cell → record value
    max_rows: int = 5000
    max_bytes: int = 10 * 1024 * 1024

    def template(self) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Sheet1")
        sheet.append(list(self.columns))
        sheet.append(list(self.example))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def rows(self, content: bytes) -> list[tuple[int, dict[str, Any]]]:
        """(spreadsheet row number, nested record) for every non-empty row."""
        if len(content) > self.max_bytes:
            raise PayloadTooLarge(f"文件超过 {self.max_bytes // 1024 // 1024} MB，请分批导入")
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise NotASpreadsheet() from exc
        sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell).strip() if cell is not None else "" for cell in next(sheet_rows, ())]
        if missing := [column for column in self.required if column not in header]:
            raise NotASpreadsheet(
                f"第 1 行缺少列：{'、'.join(missing)}（可下载模板）",
                errors=[FieldError(location="file", field=f"/columns/{name}", message="缺少此列") for name in missing],
            )
        rows = []
        for line, cells in enumerate(sheet_rows, start=2):
            values = {name: cell for name, cell in zip(header, cells, strict=False) if name in self.columns}
            if any(value not in (None, "") for value in values.values()):
                rows.append((line, self._nest(values)))
        workbook.close()
        if len(rows) > self.max_rows:
            raise PayloadTooLarge(f"一次最多导入 {self.max_rows} 行，本文件有 {len(rows)} 行，请分批导入")
        return rows

    def validate(
        self, rows: list[tuple[int, dict[str, Any]]], model: type[Model]
    ) -> tuple[list[tuple[int, Model]], list[FieldError], dict[int, set[str]]]:
        """Each row through ``model``: the good ones, the errors, and per row the fields found bad."""
        accepted, errors, bad = [], [], {}
        for line, record in rows:
            try:
                accepted.append((line, model.model_validate(record)))
                bad[line] = set()
            except ValidationError as exc:
                row_errors = field_errors(exc.errors(include_url=False), location="file")
                errors += [self.error(line, e.field, e.message) for e in row_errors]
                bad[line] = {error.field for error in row_errors}
        return accepted, errors, bad

    def error(self, line: int, pointer: str, message: str) -> FieldError:
        """An error in one cell: ``/rows/<spreadsheet row>/<field>``, and the column's name in words."""
        column = self._column_of(pointer)
        return FieldError(location="file", field=f"/rows/{line}{pointer}", message=f"第 {line} 行“{column}”：{message}")

    def reject_if_any(self, errors: list[FieldError]) -> None:
        if not errors:
            return
        errors.sort(key=_line_of)
        lines = sorted({_line_of(error) for error in errors})
        shown = "、".join(map(str, lines[:20])) + ("……" if len(lines) > 20 else "")
        raise RowsRejected(f"共 {len(errors)} 处错误，在第 {shown} 行；未导入任何数据", errors=errors)

    def _nest(self, values: dict[str, Any]) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for column, value in values.items():
            if value in (None, ""):
                continue
            target = nested
            *parents, leaf = self.columns[column]
            for key in parents:
                target = target.setdefault(key, {})
            target[leaf] = self.convert(column, value.strip() if isinstance(value, str) else value)
        return nested

    def _column_of(self, pointer: str) -> str:
        path = tuple(part for part in pointer.strip("/").split("/") if not part.isdigit())
        for column, target in self.columns.items():
            if path == target:
                return column
        for column, target in self.columns.items():  # e.g. a missing nested object: its first column
            if target[: len(path)] == path:
                return column
        return pointer


def _line_of(error: FieldError) -> int:
    return int(error.field.split("/")[2])


def as_text(value: Any) -> Any:
    """Codes and phone numbers typed as numbers come back as floats or ints: read them as text."""
    return str(value).removesuffix(".0") if isinstance(value, float | int) else value
