"""Keyset pagination: stable under inserts, cheap at any depth (no OFFSET)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.inputs import DbId
from qingling.schemas import Schema

Item = TypeVar("Item")


class PageParams(BaseModel):
    after: DbId | None = Field(default=None, description="上一页返回的 next_after；首页不传")
    limit: int = Field(default=50, ge=1, le=500, description="每页条数")


PageQuery = Annotated[PageParams, Query()]


async def fetch_page(session: AsyncSession, query: Select, key: Any, params: PageParams) -> list[Any]:
    """One page of ``query``'s rows, ordered by ``key`` (a unique, increasing column) after
    ``params.after``."""
    if params.after is not None:
        query = query.where(key > params.after)
    return list((await session.execute(query.order_by(key).limit(params.limit))).scalars())


class Page(Schema, Generic[Item]):
    items: list[Item]
    next_after: DbId | None = Field(description="下一页的 after 参数；为空表示没有更多")

    @classmethod
    def of(cls, items: list[Item], params: PageParams, key: str = "id") -> Page[Item]:
        full = len(items) == params.limit
        return cls(items=items, next_after=getattr(items[-1], key) if full else None)
