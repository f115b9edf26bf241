"""one-time WeChat subscription authorisations counted, a reporter's sealed subject on outgoing messages

Revision ID: 7b3e91c4d2a6
Revises: 4d2c8e6a9f17
Create Date: 2026-12-09 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '7b3e91c4d2a6'
down_revision: str | None = '4d2c8e6a9f17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('wechat_authorisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('granted', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_authorisation')),
    sa.UniqueConstraint('subject', 'template_id', name=op.f('uq_wechat_authorisation_subject_template_id'))
    )
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.drop_column('sealed_subject')
    op.drop_table('wechat_authorisation')
