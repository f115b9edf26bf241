"""hazard versions: each hazard's figure-relevant columns over time, for figures as of any moment

Back-fills one current version per stored hazard, valid from its ``created_at``. Older history
is not reconstructed: replaying the audit trail would mean re-deriving every column from each
action's payload (regrades, extensions, recounts, transfers of the supervising department), which
the payloads were never written to support reliably. So figures as of a moment before this
revision show a hazard stored then as it stands now; every change from here on is versioned.

Revision ID: 5e1a9c3d7b22
Revises: 2b9e5c7a4f10
Create Date: 2026-12-04 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '5e1a9c3d7b22'
down_revision: str | None = '2b9e5c7a4f10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    'state', 'grade', 'source', 'region_code', 'industry', 'basis_standard', 'supervising_department_id',
    'supervising_kind', 'supervising_region_code', 'lister_region_code', 'lister_kind', 'listed_on',
    'pre_2024_stock', 'found_at', 'created_at', 'deadline_at', 'original_deadline_at', 'closed_at',
)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'hazard_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', moment(), nullable=False),
        sa.Column('valid_to', moment(), nullable=True),
        sa.Column('state', text(length=30), nullable=False),
        sa.Column('grade', text(length=10), nullable=False),
        sa.Column('source', text(length=20), nullable=False),
        sa.Column('region_code', text(length=9), nullable=False),
        sa.Column('industry', text(length=32), nullable=False),
        sa.Column('basis_standard', text(length=20), nullable=True),
        sa.Column('supervising_department_id', sa.Integer(), nullable=True),
        sa.Column('supervising_kind', text(length=32), nullable=True),
        sa.Column('supervising_region_code', text(length=9), nullable=True),
        sa.Column('lister_region_code', text(length=9), nullable=True),
        sa.Column('lister_kind', text(length=32), nullable=True),
        sa.Column('listed_on', sa.Date(), nullable=True),
        sa.Column('pre_2024_stock', sa.Boolean(), nullable=False),
        sa.Column('found_at', moment(), nullable=False),
        sa.Column('created_at', moment(), nullable=False),
        sa.Column('deadline_at', moment(), nullable=True),
        sa.Column('original_deadline_at', moment(), nullable=True),
        sa.Column('closed_at', moment(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['hazard.id'], name=op.f('fk_hazard_version_item_id_hazard')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_version')),
    )
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        current = sa.text('valid_to IS NULL')
        batch_op.create_index(
            'ix_hazard_version_current', ['item_id'], unique=True, postgresql_where=current, sqlite_where=current
        )
        batch_op.create_index('ix_hazard_version_item_id_valid_from', ['item_id', 'valid_from'], unique=False)
        batch_op.create_index('ix_hazard_version_state_valid_to', ['state', 'valid_to'], unique=False)
        for column in ('found_at', 'deadline_at', 'closed_at'):
            batch_op.create_index(batch_op.f(f'ix_hazard_version_{column}'), [column], unique=False)
    names = ', '.join(COLUMNS)
    op.execute(
        f'INSERT INTO hazard_version (item_id, valid_from, valid_to, {names}) '
        f'SELECT id, created_at, NULL, {names} FROM hazard'
    )


def downgrade() -> None:
    op.drop_table('hazard_version')
