"""rewards: the payout recorded by the paying department, the claim channel, reward rules' basis documents

Revision ID: 7c2e41b9d0a3
Revises: 5559619a783b
Create Date: 2026-11-24 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '7c2e41b9d0a3'
down_revision: str | None = '5559619a783b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REWARD_COLUMNS = (
    ('claim_channel', sqlmodel.sql.sqltypes.AutoString(length=20)),
    ('paid_on', sa.Date()),
    ('paid_amount_yuan', sa.Integer()),
    ('payout_method', sqlmodel.sql.sqltypes.AutoString(length=20)),
    ('paid_by', sqlmodel.sql.sqltypes.AutoString(length=50)),
    ('payout_reason', sqlmodel.sql.sqltypes.AutoString(length=2000)),
    ('payout_note', sqlmodel.sql.sqltypes.AutoString(length=200)),
    ('payout_recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100)),
    ('payout_recorded_at', sqlmodel.sql.sqltypes.UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table('reward', schema=None) as batch_op:
        for name, type_ in REWARD_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table('reward_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis_document', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reward_rule', schema=None) as batch_op:
        batch_op.drop_column('basis_document')
    with op.batch_alter_table('reward', schema=None) as batch_op:
        for name, _ in reversed(REWARD_COLUMNS):
            batch_op.drop_column(name)
