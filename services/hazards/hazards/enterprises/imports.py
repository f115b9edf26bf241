"""Importing an enterprise list from an .xlsx spreadsheet: validated as a whole, stored all or
nothing. Every bad row and cell is named in one 422 answer, so a clerk fixes the file once."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises import service
from hazards.enterprises.models import Enterprise
from hazards.enterprises.schemas import EnterpriseCreate
from hazards.industries.catalogue import INDUSTRIES, TAGS
from hazards.regions.models import Region
from hazards.spreadsheets import SheetSpec, as_text
from qingling.auth.principal import Principal
from qingling.auth.scope import can_see
from qingling.db import existing_values
from qingling.errors import FieldError

_INDUSTRY_NAMES = {industry.name.split("（")[0]: industry.code for industry in INDUSTRIES}
_TAG_NAMES = {tag.name: tag.code for tag in TAGS}
_TEXT_COLUMNS = {"统一社会信用代码", "行政区划代码", "主要负责人电话", "实际控制人电话", "安全管理负责人电话"}


def _convert(column: str, value: Any) -> Any:
    """Industries and tags may be written by their Chinese names; codes typed as numbers are text."""
    if column == "行业领域":
        return _INDUSTRY_NAMES.get(value, value)
    if column == "专项整治标签":
        return [_TAG_NAMES.get(item.strip(), item.strip()) for item in re.split(r"[,，、;；]", str(value)) if item]
    return as_text(value) if column in _TEXT_COLUMNS else value


SHEET = SheetSpec(
    columns={
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
        "主要负责人电子邮箱": ("people", "principal", "email"),
        "实际控制人": ("people", "actual_controller", "name"),
        "实际控制人电话": ("people", "actual_controller", "phone"),
        "实际控制人电子邮箱": ("people", "actual_controller", "email"),
        "安全管理负责人": ("people", "safety_manager", "name"),
        "安全管理负责人电话": ("people", "safety_manager", "phone"),
        "安全管理负责人电子邮箱": ("people", "safety_manager", "email"),
    },
    required=(
        "统一社会信用代码",
        "企业名称",
        "地址",
        "行政区划代码",
        "行业领域",
        "风险等级",
        "主要负责人",
        "主要负责人电话",
    ),
    example=(
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
        "zhangsan@example.com",
        "",
        "",
        "",
        "李四",
        "13900000000",
        "",
    ),
    convert=_convert,
)


async def import_enterprises(session: AsyncSession, caller: Principal, content: bytes, now: datetime) -> int:
    rows = SHEET.rows(content)
    accepted, errors, bad = SHEET.validate(rows, EnterpriseCreate)
    errors += await _check_against_register(session, caller, rows, bad)
    SHEET.reject_if_any(errors)
    await service.create_many(session, [service.record(data, caller, now) for _, data in accepted])
    return len(accepted)


async def _check_against_register(
    session: AsyncSession, caller: Principal, rows: list[tuple[int, dict[str, Any]]], bad: dict[int, set[str]]
) -> list[FieldError]:
    """What a single row cannot know: unknown regions, places outside the caller's jurisdiction,
    enterprises already registered, and the same enterprise twice in the file. Checked on every
    row — also those with other errors — so that one answer names everything to fix."""
    regions_of = {
        line: str(row["region_code"]) for line, row in rows if "region_code" in row and "/region_code" not in bad[line]
    }
    codes_of = {
        line: str(row["credit_code"]).strip().upper()
        for line, row in rows
        if "credit_code" in row and "/credit_code" not in bad[line]
    }
    known_regions = await existing_values(session, Region.code, set(regions_of.values()))
    registered = await existing_values(session, Enterprise.credit_code, set(codes_of.values()))
    errors: list[FieldError] = []
    first_line: dict[str, int] = {}
    for line, _ in rows:
        if (region := regions_of.get(line)) is not None:
            if region not in known_regions:
                errors.append(SHEET.error(line, "/region_code", f"{region} 不存在"))
            elif not can_see(caller, region_code=region, enterprise_code=None):
                errors.append(SHEET.error(line, "/region_code", f"{region} 不在您的管辖范围内"))
        if (code := codes_of.get(line)) is not None:
            if code in registered:
                errors.append(SHEET.error(line, "/credit_code", f"{code} 已登记"))
            elif code in first_line:
                errors.append(SHEET.error(line, "/credit_code", f"与第 {first_line[code]} 行重复"))
            first_line.setdefault(code, line)
    return errors
