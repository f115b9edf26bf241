"""Rankings for the 安委办's 月通报 (issue 19; seeds 000, 003: 月调度、月通报、排名): the regions
one level down, or the departments, of a jurisdiction ranked by 按期整改率, overdue hazards and
清零 progress. Every number comes from the figures service, counted as of one moment; this
module only orders them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hazards.figures import service as figures
from hazards.figures.schemas import GroupBy, ZeroingRow
from hazards.returns.schemas import RankBy, Ranked, RankingRow, Rankings
from qingling.figures import Rate
from qingling.periods import Period


def _ranks(rows: Sequence[Any], key: Callable[[Any], Any]) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4) by ``key`` ascending; a key of None is not ranked."""
    ranked = sorted((key(r), i) for i, r in enumerate(rows) if key(r) is not None)
    result: list[int | None] = [None] * len(rows)
    for position, (value, index) in enumerate(ranked):
        previous = ranked[position - 1] if position else None
        result[index] = result[previous[1]] if previous and previous[0] == value else position + 1
    return result


@dataclass(frozen=True)
class _Stock:
    stock_open: int | None
    stock_cleared_by_2024_end: Rate | None


def _stock(rows: dict[str, ZeroingRow], key: Any, ranked: Ranked) -> _Stock:
    """A region's stock figures; a region the zeroing figures do not list has no stock (they list
    only regions with hazards to count). Departments have none: zeroing is counted by region."""
    if ranked is not Ranked.REGION:
        return _Stock(None, None)
    row = rows.get(key)
    return _Stock(0, Rate.of(0, 0)) if row is None else _Stock(row.stock_open, row.stock_cleared_by_2024_end)


async def rankings(
    session: AsyncSession,
    *,
    prefix: str,
    period: Period,
    as_of: datetime,
    now: datetime,
    ranked: Ranked,
    sort: RankBy,
) -> Rankings:
    group_by = GroupBy.REGION if ranked is Ranked.REGION else GroupBy.DEPARTMENT
    counted = await figures.figures(
        session, prefix=prefix, period=period, as_of=as_of, now=now, group_by=group_by, filters=figures.Filters()
    )
    stock = {}
    if ranked is Ranked.REGION:
        zeroing = await figures.zeroing(session, prefix=prefix, as_of=as_of, now=now)
        stock = {row.key: row for row in zeroing.rows}
    rows = [
        RankingRow(
            key=None if row.key is None else str(row.key),
            title=row.title,
            on_time_rate=row.on_time_rate,
            due=row.due,
            overdue=row.overdue,
            open_major=row.open_major,
            stock_open=_stock(stock, row.key, ranked).stock_open,
            stock_cleared_by_2024_end=_stock(stock, row.key, ranked).stock_cleared_by_2024_end,
            recurred=row.recurred,
            reinspection_failed=row.reinspection_failed,
            rank_on_time=None,
            rank_overdue=0,
            rank_zeroing=0,
        )
        for row in counted.rows
    ]
    by_rate = _ranks(rows, lambda r: None if r.on_time_rate.rate is None else -r.on_time_rate.rate)
    by_overdue = _ranks(rows, lambda r: r.overdue)
    by_zeroing = _ranks(rows, lambda r: (r.open_major, r.stock_open or 0))
    for row, rate_rank, overdue_rank, zeroing_rank in zip(rows, by_rate, by_overdue, by_zeroing, strict=True):
        row.rank_on_time, row.rank_overdue, row.rank_zeroing = rate_rank, overdue_rank or 0, zeroing_rank or 0
    order = {
        RankBy.ON_TIME: lambda r: (r.rank_on_time is None, r.rank_on_time or 0, r.title),
        RankBy.OVERDUE: lambda r: (r.rank_overdue, r.title),
        RankBy.ZEROING: lambda r: (r.rank_zeroing, r.title),
    }[sort]
    return Rankings(
        period=period,
        as_of=as_of,
        region_prefix=counted.region_prefix,
        region_title=counted.region_title,
        ranked=ranked,
        sort=sort,
        rows=sorted(rows, key=order),
    )
