"""message templates per region

Revision ID: 3c1e9a7d5b20
Revises: 56a504459f58
Create Date: 2026-11-24 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '3c1e9a7d5b20'
down_revision: str | None = '56a504459f58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every version stored so far applied everywhere: it becomes a national one (""). Where the
    # newest national wording is not the release's, the service's start-up seed adds the release's
    # wording again as a newer national version; a region's admin re-adds the region's own.
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.drop_column('region_code')
