"""platform tables

Revision ID: 40692069be74
Revises: 
Create Date: 2026-11-22 21:51:49.751556
"""
from collections.abc import Sequence

from qingling.platform_migrations import create_platform_tables_v1, drop_platform_tables_v1

revision: str = '40692069be74'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables_v1()


def downgrade() -> None:
    drop_platform_tables_v1()
