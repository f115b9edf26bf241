"""tracked deadlines

Revision ID: 472527b34f72
Revises: f74e42bd4259
Create Date: 2026-11-22 23:22:44.482461
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '472527b34f72'
down_revision: str | None = 'f74e42bd4259'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tracked_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
    sa.Column('enterprise_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('lister_region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deadline_provisional', sa.Boolean(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('step_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('production_suspended', sa.Boolean(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_event_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracked_deadline')),
    sa.UniqueConstraint('item_type', 'item_id', name=op.f('uq_tracked_deadline_item_type_item_id'))
    )
    with op.batch_alter_table('tracked_deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracked_deadline_closed'), ['closed'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracked_deadline_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracked_deadline_enterprise_code'), ['enterprise_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracked_deadline_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tracked_deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracked_deadline_region_code'))
        batch_op.drop_index(batch_op.f('ix_tracked_deadline_enterprise_code'))
        batch_op.drop_index(batch_op.f('ix_tracked_deadline_deadline_at'))
        batch_op.drop_index(batch_op.f('ix_tracked_deadline_closed'))

    op.drop_table('tracked_deadline')
