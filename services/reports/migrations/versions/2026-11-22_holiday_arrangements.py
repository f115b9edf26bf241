"""holiday arrangements

Revision ID: e358ae29d129
Revises: 89eefe5184f4
Create Date: 2026-11-22 22:40:41.780662
"""
from collections.abc import Sequence

from qingling.platform_migrations import create_holiday_arrangement_v1, drop_holiday_arrangement_v1

revision: str = 'e358ae29d129'
down_revision: str | None = '89eefe5184f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_holiday_arrangement_v1()


def downgrade() -> None:
    drop_holiday_arrangement_v1()
