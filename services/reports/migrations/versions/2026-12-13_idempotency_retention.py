"""idempotency_record.created_at indexed: the retention sweep deletes the oldest answers first

Revision ID: f59f9bf0f4e2
Revises: 3e8c5a1f9b27
Create Date: 2026-12-13 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import (
    drop_idempotency_record_created_at_index_v2,
    idempotency_record_created_at_index_v2,
)

revision: str = "f59f9bf0f4e2"
down_revision: str | None = "3e8c5a1f9b27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_record_created_at_index_v2()


def downgrade() -> None:
    drop_idempotency_record_created_at_index_v2()
