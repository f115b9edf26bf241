"""self-checks

Revision ID: 29ea5a805480
Revises: 66c3da50db23
Create Date: 2026-11-22 23:17:27.136293
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '29ea5a805480'
down_revision: str | None = '66c3da50db23'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('self_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('led_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('principal_led', sa.Boolean(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('findings', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('hazards_found', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_self_check_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_check'))
    )
    with op.batch_alter_table('self_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_check_checked_on'), ['checked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_check_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('self_check_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_self_check_notice_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_check_notice')),
    sa.UniqueConstraint('enterprise_id', 'period', name=op.f('uq_self_check_notice_enterprise_id_period'))
    )


def downgrade() -> None:
    op.drop_table('self_check_notice')
    with op.batch_alter_table('self_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_check_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_self_check_checked_on'))

    op.drop_table('self_check')
