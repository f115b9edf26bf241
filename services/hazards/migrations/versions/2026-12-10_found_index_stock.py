"""figures: the found-time index also includes the stock flag

Zeroing's new 重大 hazards per quarter (found in it, major, not pre-2024 stock) then read the
found-time index of ``hazard_version`` alone on PostgreSQL, as the figures do (a province's
zeroing on ``bench/figures.py``'s data: eight heap-bound passes of ~200 ms each before). SQLite's
index is unchanged (it has no included columns).

Revision ID: 3c8e5a1d9f47
Revises: 9a4c2e7f1b35
Create Date: 2026-12-10 10:00:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '3c8e5a1d9f47'
down_revision: str | None = '9a4c2e7f1b35'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AS_OF = ['valid_from', 'valid_to', 'region_code', 'state']


def _found_index(include: list[str]) -> None:
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_version_found_at')
        batch_op.create_index('ix_hazard_version_found_at', ['found_at'], unique=False, postgresql_include=include)


def upgrade() -> None:
    _found_index([*AS_OF, 'grade', 'pre_2024_stock'])


def downgrade() -> None:
    _found_index([*AS_OF, 'grade'])
