"""idempotency_record.created_at indexed: the retention sweep deletes the oldest answers first

Revision ID: 7ffe0cf0d956
Revises: 4e7b2d9c1a58
Create Date: 2026-12-13 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import (
    drop_idempotency_record_created_at_index_v2,
    idempotency_record_created_at_index_v2,
)

revision: str = "7ffe0cf0d956"
down_revision: str | None = "4e7b2d9c1a58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_record_created_at_index_v2()


def downgrade() -> None:
    drop_idempotency_record_created_at_index_v2()
