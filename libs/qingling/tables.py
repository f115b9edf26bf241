"""The platform tables every service database has, declared on the service's own model base.

class HazardsModel(SQLModel, registry=service_registry()): ...
tables = PlatformTables.declare(HazardsModel)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from qingling.idempotency import IdempotencyRecordBase
from qingling.inbox import InboxMessageBase
from qingling.outbox import OutboxMessageBase


@dataclass(frozen=True)
class PlatformTables:
    metadata: MetaData
    outbox: type[OutboxMessageBase]
    inbox: type[InboxMessageBase]
    idempotency: type[IdempotencyRecordBase]

    @classmethod
    def declare(cls, base: type[SQLModel]) -> PlatformTables:
        class OutboxMessage(OutboxMessageBase, base, table=True):
            __tablename__ = "outbox_message"

        class InboxMessage(InboxMessageBase, base, table=True):
            __tablename__ = "inbox_message"

        class IdempotencyRecord(IdempotencyRecordBase, base, table=True):
            __tablename__ = "idempotency_record"

        return cls(base.metadata, OutboxMessage, InboxMessage, IdempotencyRecord)
