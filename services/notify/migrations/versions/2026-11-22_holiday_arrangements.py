"""holiday arrangements

Revision ID: f74e42bd4259
Revises: be8a5afdc654
Create Date: 2026-11-22 22:40:43.668467
"""
from collections.abc import Sequence

from qingling.platform_migrations import create_holiday_arrangement_v1, drop_holiday_arrangement_v1

revision: str = 'f74e42bd4259'
down_revision: str | None = 'be8a5afdc654'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_holiday_arrangement_v1()


def downgrade() -> None:
    drop_holiday_arrangement_v1()
