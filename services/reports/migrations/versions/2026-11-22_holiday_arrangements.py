"""holiday arrangements

Revision ID: e358ae29d129
Revises: 89eefe5184f4
Create Date: 2026-11-22 22:40:41.780662
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'e358ae29d129'
down_revision: str | None = '89eefe5184f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('holiday_arrangement',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('makeup_workdays', sa.JSON(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('loaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_arrangement'))
    )


def downgrade() -> None:
    op.drop_table('holiday_arrangement')
