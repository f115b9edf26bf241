"""holiday arrangements

Revision ID: ddf21f9eb4a6
Revises: 4bf0c6567b57
Create Date: 2026-11-22 22:40:39.839300
"""
from collections.abc import Sequence

from qingling.platform_migrations import create_holiday_arrangement_v1, drop_holiday_arrangement_v1

revision: str = 'ddf21f9eb4a6'
down_revision: str | None = '4bf0c6567b57'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_holiday_arrangement_v1()


def downgrade() -> None:
    drop_holiday_arrangement_v1()
