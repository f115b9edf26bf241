"""pre-2024 stock

Revision ID: 66c3da50db23
Revises: f8994da26865
Create Date: 2026-11-22 23:13:06.438870
"""
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '66c3da50db23'
down_revision: str | None = 'f8994da26865'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_2024_stock', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_hazard_pre_2024_stock'), ['pre_2024_stock'], unique=False)
    # Hazards already stored keep their place in the figures: found before 2024 (Beijing time) is stock.
    cut = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    update = sa.text("UPDATE hazard SET pre_2024_stock = (found_at < :cut)")
    op.get_bind().execute(update.bindparams(sa.bindparam("cut", cut, type_=sqlmodel.sql.sqltypes.UTCDateTime())))



def downgrade() -> None:
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_pre_2024_stock'))
        batch_op.drop_column('pre_2024_stock')

