"""limit_counter (qingling.limits) for the public enterprise look-up of the report page, subjects as
HMACs

Revision ID: 4e7b2d9c1a58
Revises: 6ccd9556ae37
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import create_limit_counter_v1, drop_limit_counter_v1

revision: str = "4e7b2d9c1a58"
down_revision: str | None = "6ccd9556ae37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_limit_counter_v1()


def downgrade() -> None:
    drop_limit_counter_v1()
