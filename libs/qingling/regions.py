"""Administrative division codes (GB/T 2260, six digits; towns add three, GB/T 10114).

Jurisdiction is a code prefix: a province sees every code starting with its two digits, a city
its four, a county its six, a town its nine. ``NATION`` (000000) is the national level above the
provinces: it holds nationwide configuration (the holiday calendar) and is no place a hazard or an
enterprise can be. The register of real codes lives in the hazards
service; this module only knows the shape of a code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

# The first two digits of every province-level division (incl. Taiwan, Hong Kong, Macao).
_PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"
PROVINCE_PREFIXES = frozenset(_PROVINCES.split())
_SHAPE = re.compile(r"^\d{6}(\d{3})?$")
NATION = "000000"


class Level(StrEnum):
    NATION = "nation"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"


LEVEL_TITLES = {
    Level.NATION: "国家级",
    Level.PROVINCE: "省级",
    Level.CITY: "市级",
    Level.COUNTY: "县级",
    Level.TOWN: "乡镇（街道）",
}
_RANK = {Level.NATION: -1, Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWN: 3}


def level(code: str) -> Level:
    if code == NATION:
        return Level.NATION
    if len(code) == 9:
        return Level.TOWN
    if code[2:] == "0000":
        return Level.PROVINCE
    if code[4:] == "00":
        return Level.CITY
    return Level.COUNTY


def jurisdiction_prefix(code: str) -> str:
    return {Level.NATION: "", Level.PROVINCE: code[:2], Level.CITY: code[:4], Level.COUNTY: code[:6], Level.TOWN: code}[
        level(code)
    ]


def covers(holder: str, code: str) -> bool:
    """Whether ``code`` lies within the jurisdiction of ``holder`` (itself included)."""
    return code.startswith(jurisdiction_prefix(holder))


def is_above(holder: str, code: str) -> bool:
    """Whether ``holder`` is a strictly higher level whose jurisdiction contains ``code``."""
    return covers(holder, code) and _RANK[level(holder)] < _RANK[level(code)]


def validate_region_code(code: str) -> str:
    if not _SHAPE.match(code):
        raise ValueError("行政区划代码应为 6 位（县级及以上）或 9 位（乡镇街道）数字")
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"行政区划代码前两位 {code[:2]} 不是有效的省级代码")
    if code[2:4] == "00" and code[4:6] != "00":
        raise ValueError("行政区划代码格式不正确：市级部分为 00 时县级部分也应为 00")
    return code


RegionCode = Annotated[str, AfterValidator(validate_region_code)]


def validate_jurisdiction_code(code: str) -> str:
    return code if code == NATION else validate_region_code(code)


# Where staff sit: a place, or the national level (accounts only).
JurisdictionCode = Annotated[str, AfterValidator(validate_jurisdiction_code)]


def parent(code: str) -> str | None:
    """The division one level up: a town's county, a county's city, a city's province."""
    return {
        Level.TOWN: code[:6],
        Level.COUNTY: code[:4] + "00",
        Level.CITY: code[:2] + "0000",
        Level.PROVINCE: None,
        Level.NATION: None,
    }[level(code)]
