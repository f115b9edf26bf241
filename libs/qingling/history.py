"""Temporal history: what an item's figure-relevant columns were at any moment, so figures are
computed *as of* a timestamp from what the system knew then — not by filtering today's rows by a
date (domain §7 "reproducible as of a timestamp", scenario 12).

One row per version in an ``<item>_version`` table: the item's id, ``valid_from`` (inclusive),
``valid_to`` (exclusive; NULL = the current version) and the typed columns the service declares —
named as on the item, so a version is copied off the item by name:

    class HazardVersion(VersionBase, HazardsModel, table=True):
        __tablename__ = "hazard_version"
        item_id: int = Field(foreign_key="hazard.id")
        state: str = Field(max_length=30)
        ...

    HISTORY = History(HazardVersion)
    HISTORY.record(session, hazard, at=now)            # where every change of an item passes
    await HISTORY.record_new(session, rows, at=now)    # items inserted in bulk: one statement
    select(HazardVersion).where(HISTORY.as_of(when))   # the versions in force at ``when``

``record`` is synchronous (it is called where the change is recorded, which need not be async):
it adds the new version, and the version it replaces is closed (``valid_to`` = the new
``valid_from``) when the session flushes, in the same transaction — one UPDATE for all the items
changed in that flush. A unique partial index keeps one current version per item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Index, and_, bindparam, event, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, declared_attr
from sqlmodel import Field, SQLModel

from qingling.bulk import insert_rows


class VersionBase(SQLModel):
    """Columns every version table has; the service adds ``item_id`` (with its foreign key) and
    the columns its figures need."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int
    valid_from: datetime
    valid_to: datetime | None = None

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return version_indexes(cls.__tablename__)


def version_indexes(table: str) -> tuple[Index, ...]:
    """The indexes every version table has — one current version per item (a unique partial
    index, which "as of now" reads) and an item's versions in order. A table declaring indexes of
    its own returns these too: ``(*version_indexes(name), Index(...))``."""
    current = text("valid_to IS NULL")
    return (
        Index(f"ix_{table}_current", "item_id", unique=True, postgresql_where=current, sqlite_where=current),
        Index(f"ix_{table}_item_id_valid_from", "item_id", "valid_from"),
    )


V = TypeVar("V", bound=VersionBase)
_BASE_FIELDS = frozenset(VersionBase.model_fields)


class History(Generic[V]):
    """The history of one kind of item, kept in the version table ``model``."""

    def __init__(self, model: type[V]) -> None:
        self.model = model
        self.fields = tuple(name for name in model.model_fields if name not in _BASE_FIELDS)

    def values(self, item: Any) -> dict[str, Any]:
        """The version columns of ``item`` (an ORM object or a mapping of its column values)."""
        if isinstance(item, Mapping):
            return {name: item[name] for name in self.fields}
        return {name: getattr(item, name) for name in self.fields}

    def record(self, session: AsyncSession | Session, item: Any, *, at: datetime) -> None:
        """``item`` as it stands now is its version from ``at`` on; the version in force until
        then is closed at ``at`` when the session flushes. ``item.id`` must be set."""
        session.add(self.model(item_id=item.id, valid_from=at, valid_to=None, **self.values(item)))

    async def record_new(self, session: AsyncSession, items: Iterable[Mapping[str, Any]], *, at: datetime) -> None:
        """First versions of items just inserted in bulk (mappings with their ``id``): one
        statement (``qingling.bulk``), nothing to close."""
        rows = [{"item_id": item["id"], "valid_from": at, "valid_to": None, **self.values(item)} for item in items]
        await insert_rows(session, self.model, rows)

    def current(self) -> ColumnElement[bool]:
        """The versions in force now."""
        return self.model.valid_to.is_(None)

    def as_of(self, when: datetime, *, now: datetime | None = None) -> ColumnElement[bool]:
        """The versions in force at ``when``: ``valid_from <= when < valid_to``. Given ``now``,
        a moment not before it reads the current versions (the partial index's fast path)."""
        if now is not None and when >= now:
            return self.current()
        model = self.model
        return and_(model.valid_from <= when, or_(model.valid_to.is_(None), model.valid_to > when))

    def as_of_parts(self, when: datetime, *, now: datetime | None = None) -> list[ColumnElement[bool]]:
        """``as_of`` as disjoint conditions — the current versions begun by ``when``, the ended
        ones ending after it — for a query that no other column narrows: each part is one range
        of an index on ``valid_to`` (``valid_to IS NULL OR valid_to > when`` is none), so it is
        read as the ``UNION ALL`` of one query per part."""
        if now is not None and when >= now:
            return [self.current()]
        model = self.model
        return [
            and_(model.valid_to.is_(None), model.valid_from <= when),
            and_(model.valid_to > when, model.valid_from <= when),
        ]


@event.listens_for(Session, "before_flush")
def _close_replaced_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Closes the version each new one replaces: pending versions of one item are chained in the
    order they were added, and the stored current version ends where the first of them begins."""
    pending: dict[tuple[type[VersionBase], int], list[VersionBase]] = defaultdict(list)
    for instance in session.new:
        if isinstance(instance, VersionBase) and instance.valid_to is None:
            pending[type(instance), instance.item_id].append(instance)
    if not pending:
        return
    closing: dict[type[VersionBase], list[dict[str, Any]]] = defaultdict(list)
    for (model, item_id), versions in pending.items():
        versions.sort(key=lambda version: version.valid_from)  # stable: same moment keeps the order added
        for earlier, later in pairwise(versions):
            earlier.valid_to = later.valid_from
        closing[model].append({"b_item": item_id, "b_to": versions[0].valid_from})
    connection = session.connection()
    for model, params in closing.items():
        table = model.__table__
        statement = (
            update(table)
            .where(table.c.item_id == bindparam("b_item"), table.c.valid_to.is_(None))
            .values(valid_to=bindparam("b_to"))
        )
        connection.execute(statement, params)
