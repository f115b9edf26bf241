"""Keyset pagination: stable under inserts, cheap at any depth (no OFFSET)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.inputs import DbId
from qingling.schemas import Schema

Item = TypeVar("Item")


class PageParams(BaseModel):
    after: DbId | None = Field(default=None, description="上一页返回的 next_after；首页不传")
    limit: int = Field(default=50, ge=1, le=500, description="每页条数")


PageQuery = Annotated[PageParams, Query()]


class Rows(list):
    """One page of rows, and ``total``: how many rows the query matches over every page."""

    total: int

    def __init__(self, rows: list[Any], total: int) -> None:
        super().__init__(rows)
        self.total = total


async def fetch_page(session: AsyncSession, query: Select, key: Any, params: PageParams) -> Rows:
    """One page of ``query``'s rows, ordered by ``key`` (a unique, increasing column) after
    ``params.after``, with the number of rows the query matches in all."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if params.after is not None:
        query = query.where(key > params.after)
    rows = list((await session.execute(query.order_by(key).limit(params.limit))).scalars())
    return Rows(rows, total or 0)


class Page(Schema, Generic[Item]):
    items: list[Item]
    next_after: DbId | None = Field(description="下一页的 after 参数；为空表示没有更多")
    total: int = Field(ge=0, description="符合查询条件的记录总数（所有页合计）")

    @classmethod
    def of(cls, items: list[Item], params: PageParams, total: int, key: str = "id") -> Page[Item]:
        full = len(items) == params.limit
        return cls(items=items, next_after=getattr(items[-1], key) if full else None, total=total)
