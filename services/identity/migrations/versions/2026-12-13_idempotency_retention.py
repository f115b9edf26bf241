"""idempotency_record.created_at indexed: the retention sweep deletes the oldest answers first

Revision ID: 70bcc62fa3af
Revises: 7d2f4b6a8e31
Create Date: 2026-12-13 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import (
    drop_idempotency_record_created_at_index_v2,
    idempotency_record_created_at_index_v2,
)

revision: str = "70bcc62fa3af"
down_revision: str | None = "7d2f4b6a8e31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_record_created_at_index_v2()


def downgrade() -> None:
    drop_idempotency_record_created_at_index_v2()
