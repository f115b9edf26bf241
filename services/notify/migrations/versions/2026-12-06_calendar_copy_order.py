"""calendar copy: the owner's change number and tombstones, so changes arriving out of order never
bring back a withdrawn year

Revision ID: 8e2b6d4f1a93
Revises: 7b3d9f2a6c41
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import drop_holiday_arrangement_copy_v2, holiday_arrangement_copy_v2

revision: str = "8e2b6d4f1a93"
down_revision: str | None = "7b3d9f2a6c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    holiday_arrangement_copy_v2()


def downgrade() -> None:
    drop_holiday_arrangement_copy_v2()
