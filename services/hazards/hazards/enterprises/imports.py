"""Importing an enterprise list from an .xlsx spreadsheet: validated as a whole, stored all or
nothing. Every bad row and cell is named in one 422 answer, so a clerk fixes the file once."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises import service
from hazards.enterprises.models import Enterprise
from hazards.enterprises.schemas import EnterpriseCreate
from hazards.industries.catalogue import INDUSTRIES, TAGS
from hazards.regions.models import Region
from qingling.auth.principal import Principal
from qingling.auth.scope import can_see
from qingling.db import existing_values
from qingling.errors import FieldError, PayloadTooLarge, ValidationFailed, field_errors

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024

# Spreadsheet column → where its value goes in EnterpriseCreate.
COLUMNS: dict[str, tuple[str, ...]] = {
    "统一社会信用代码": ("credit_code",),
    "企业名称": ("name",),
    "地址": ("address",),
    "行政区划代码": ("region_code",),
    "行业领域": ("industry",),
    "风险等级": ("risk_class",),
    "经度": ("longitude",),
    "纬度": ("latitude",),
    "专项整治标签": ("tags",),
    "主要负责人": ("people", "principal", "name"),
    "主要负责人电话": ("people", "principal", "phone"),
    "实际控制人": ("people", "actual_controller", "name"),
    "实际控制人电话": ("people", "actual_controller", "phone"),
    "安全管理负责人": ("people", "safety_manager", "name"),
    "安全管理负责人电话": ("people", "safety_manager", "phone"),
}
REQUIRED = (
    "统一社会信用代码",
    "企业名称",
    "地址",
    "行政区划代码",
    "行业领域",
    "风险等级",
    "主要负责人",
    "主要负责人电话",
)
EXAMPLE = (
    "91330521MA2B3C4D5Q",
    "示例陶瓷有限公司",
    "德清县武康街道某路 1 号",
    "330521001",
    "工贸",
    "B",
    119.97,
    30.54,
    "涉爆粉尘",
    "张三",
    "13800000000",
    "",
    "",
    "李四",
    "13900000000",
)
_INDUSTRY_NAMES = {industry.name.split("（")[0]: industry.code for industry in INDUSTRIES}
_TAG_NAMES = {tag.name: tag.code for tag in TAGS}


class NotASpreadsheet(ValidationFailed):
    code, title = "not-a-spreadsheet", "上传的文件不是有效的 Excel（.xlsx）文件"


class RowsRejected(ValidationFailed):
    code, title = "rows-rejected", "表格中有错误，未导入任何数据；请按提示逐行修改后重新上传"


def template() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业名录")
    sheet.append(list(COLUMNS))
    sheet.append(list(EXAMPLE))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def import_enterprises(session: AsyncSession, caller: Principal, content: bytes, now: datetime) -> int:
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请分批导入")
    rows = _read(content)
    if len(rows) > MAX_ROWS:
        raise PayloadTooLarge(f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(rows)} 行，请分批导入")
    errors: list[FieldError] = []
    accepted: list[tuple[int, EnterpriseCreate]] = []
    cells: list[tuple[int, dict[str, Any], set[str]]] = []  # each row, and the fields already found bad
    for line, values in rows:
        nested = _nest(values)
        try:
            accepted.append((line, EnterpriseCreate.model_validate(nested)))
            cells.append((line, nested, set()))
        except ValidationError as exc:
            row_errors = field_errors(exc.errors(include_url=False), location="file")
            errors += [_row_error(line, error.field, error.message) for error in row_errors]
            cells.append((line, nested, {error.field for error in row_errors}))
    errors += await _check_against_register(session, caller, cells)
    if errors:
        errors.sort(key=_line_of)
        lines = sorted({_line_of(error) for error in errors})
        shown = "、".join(map(str, lines[:20])) + ("……" if len(lines) > 20 else "")
        raise RowsRejected(f"共 {len(errors)} 处错误，在第 {shown} 行；未导入任何数据", errors=errors)
    await service.create_many(session, [service.record(data, caller, now) for _, data in accepted])
    return len(accepted)


def _read(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise NotASpreadsheet() from exc
    sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(sheet_rows, ())]
    if missing := [column for column in REQUIRED if column not in header]:
        raise NotASpreadsheet(
            f"第 1 行缺少列：{'、'.join(missing)}（可下载模板）",
            errors=[FieldError(location="file", field=f"/columns/{name}", message="缺少此列") for name in missing],
        )
    rows = []
    for line, cells in enumerate(sheet_rows, start=2):
        values = {name: cell for name, cell in zip(header, cells, strict=False) if name in COLUMNS}
        if any(value not in (None, "") for value in values.values()):
            rows.append((line, values))
    workbook.close()
    return rows


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """Spreadsheet cells → the nested shape of ``EnterpriseCreate``; names become codes."""
    nested: dict[str, Any] = {}
    for column, value in values.items():
        if value in (None, ""):
            continue
        if isinstance(value, str):
            value = value.strip()
        if column == "行业领域":
            value = _INDUSTRY_NAMES.get(value, value)
        elif column == "专项整治标签":
            value = [_TAG_NAMES.get(item.strip(), item.strip()) for item in re.split(r"[,，、;；]", str(value)) if item]
        elif column in ("统一社会信用代码", "行政区划代码", "主要负责人电话", "实际控制人电话", "安全管理负责人电话"):
            value = str(value).removesuffix(".0") if isinstance(value, float | int) else value  # numbers typed as such
        target = nested
        *parents, leaf = COLUMNS[column]
        for key in parents:
            target = target.setdefault(key, {})
        target[leaf] = value
    return nested


def _column_of(pointer: str) -> str:
    path = tuple(part for part in pointer.strip("/").split("/") if not part.isdigit())
    for column, target in COLUMNS.items():
        if path == target:
            return column
    for column, target in COLUMNS.items():  # e.g. a missing person object: name its first column
        if target[: len(path)] == path:
            return column
    return pointer


def _line_of(error: FieldError) -> int:
    return int(error.field.split("/")[2])


def _row_error(line: int, pointer: str, message: str) -> FieldError:
    """An error in one cell: ``/rows/<spreadsheet row>/<field>``, and the column's name in words."""
    return FieldError(
        location="file", field=f"/rows/{line}{pointer}", message=f"第 {line} 行“{_column_of(pointer)}”：{message}"
    )


async def _check_against_register(
    session: AsyncSession, caller: Principal, cells: list[tuple[int, dict[str, Any], set[str]]]
) -> list[FieldError]:
    """What a single row cannot know: unknown regions, places outside the caller's jurisdiction,
    enterprises already registered, and the same enterprise twice in the file. Checked on every
    row — also those with other errors — so that one answer names everything to fix."""
    regions_of = {
        line: str(row["region_code"]) for line, row, bad in cells if "region_code" in row and "/region_code" not in bad
    }
    codes_of = {
        line: str(row["credit_code"]).strip().upper()
        for line, row, bad in cells
        if "credit_code" in row and "/credit_code" not in bad
    }
    known_regions = await existing_values(session, Region.code, set(regions_of.values()))
    registered = await existing_values(session, Enterprise.credit_code, set(codes_of.values()))
    errors: list[FieldError] = []
    first_line: dict[str, int] = {}
    for line, _, _ in cells:
        if (region := regions_of.get(line)) is not None:
            if region not in known_regions:
                errors.append(_row_error(line, "/region_code", f"{region} 不存在"))
            elif not can_see(caller, region_code=region, enterprise_code=None):
                errors.append(_row_error(line, "/region_code", f"{region} 不在您的管辖范围内"))
        if (code := codes_of.get(line)) is not None:
            if code in registered:
                errors.append(_row_error(line, "/credit_code", f"{code} 已登记"))
            elif code in first_line:
                errors.append(_row_error(line, "/credit_code", f"与第 {first_line[code]} 行重复"))
            first_line.setdefault(code, line)
    return errors
