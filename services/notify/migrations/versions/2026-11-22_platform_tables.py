"""platform tables

Revision ID: be8a5afdc654
Revises: 
Create Date: 2026-11-22 21:51:52.524518
"""
from collections.abc import Sequence

from qingling.platform_migrations import create_platform_tables_v1, drop_platform_tables_v1

revision: str = 'be8a5afdc654'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables_v1()


def downgrade() -> None:
    drop_platform_tables_v1()
