"""The region register: hierarchy queries and the existence check every other record relies on."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.regions.models import Region
from qingling.errors import NotFound, ValidationFailed
from qingling.regions import level

DATA_FILE = Path(__file__).with_name("regions.csv.gz")
BATCH = 5000


class RegionNotFound(NotFound):
    code, title = "region-not-found", "没有这个行政区划代码"


async def load_if_empty(session: AsyncSession) -> None:
    """Fills the register from the shipped data file on first start (about 45,000 rows)."""
    if (await session.execute(select(Region.code).limit(1))).first() is not None:
        return
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as data:
        rows = [
            {
                "code": row["code"],
                "name": row["name"],
                "parent_code": row["parent_code"] or None,
                "level": level(row["code"]),
            }
            for row in csv.DictReader(io.StringIO(data.read()))
        ]
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(Region), rows[start : start + BATCH])


async def get(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise RegionNotFound(f"行政区划代码 {code} 不存在")
    return region


async def children(session: AsyncSession, parent_code: str | None) -> list[Region]:
    if parent_code is not None:
        await get(session, parent_code)
    condition = Region.parent_code == parent_code if parent_code else Region.parent_code.is_(None)
    return list((await session.execute(select(Region).where(condition).order_by(Region.code))).scalars())


async def ancestors(session: AsyncSession, region: Region) -> list[Region]:
    chain = []
    while region.parent_code:
        region = await get(session, region.parent_code)
        chain.append(region)
    return chain[::-1]


async def search(session: AsyncSession, name: str, limit: int) -> list[Region]:
    query = select(Region).where(Region.name.contains(name, autoescape=True)).order_by(Region.code).limit(limit)
    return list((await session.execute(query)).scalars())


async def ensure_exists(session: AsyncSession, code: str, field: str = "region_code") -> Region:
    """For records that name a region: an unknown code is bad input (422 on that field)."""
    region = await session.get(Region, code)
    if region is None:
        raise ValidationFailed.for_field(field, f"行政区划代码 {code} 不存在")
    return region
