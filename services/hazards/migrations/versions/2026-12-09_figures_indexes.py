"""figures indexes: each figure's query reads one index alone

The indexes on ``hazard_version``'s found, deadline and closed times and on (state, valid_to)
become covering ones on PostgreSQL: they ``INCLUDE`` the as-of bounds (``valid_from``,
``valid_to``), ``region_code``, ``state`` and what the measure counts, so a province's month is
counted by index-only scans instead of one heap page per version (``bench/figures.py``: 1,000,000
hazards). The deadline and closed ones leave out the versions without that time. SQLite keeps
plain indexes on the same keys.

Revision ID: 9a4c2e7f1b35
Revises: 7d3f1b9e5a64
Create Date: 2026-12-09 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9a4c2e7f1b35'
down_revision: str | None = '7d3f1b9e5a64'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AS_OF = ['valid_from', 'valid_to', 'region_code', 'state']
# name, key columns, included columns (PostgreSQL), partial condition
INDEXES = (
    ('ix_hazard_version_found_at', ['found_at'], [*AS_OF, 'grade'], None),
    ('ix_hazard_version_deadline_at', ['deadline_at'], [*AS_OF, 'closed_at'], 'deadline_at IS NOT NULL'),
    ('ix_hazard_version_closed_at', ['closed_at'], [*AS_OF, 'found_at'], 'closed_at IS NOT NULL'),
    (
        'ix_hazard_version_state_valid_to', ['state', 'valid_to'],
        ['valid_from', 'region_code', 'grade', 'deadline_at', 'pre_2024_stock'], None,
    ),
)


def upgrade() -> None:
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        for name, keys, include, where in INDEXES:
            batch_op.drop_index(name)
            condition = {} if where is None else {'postgresql_where': sa.text(where), 'sqlite_where': sa.text(where)}
            batch_op.create_index(name, keys, unique=False, postgresql_include=include, **condition)


def downgrade() -> None:
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        for name, keys, _include, _where in INDEXES:
            batch_op.drop_index(name)
            batch_op.create_index(name, keys, unique=False)
