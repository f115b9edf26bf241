"""limits (qingling.limits) in limit_counter, subjects as HMACs; receipt_failure (raw client
addresses in its keys) dropped — its counts are not carried over

Revision ID: 9a4c2e7f1b36
Revises: 6d1f3a8b2c95
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from qingling.platform_migrations import create_limit_counter_v1, drop_limit_counter_v1

revision: str = "9a4c2e7f1b36"
down_revision: str | None = "6d1f3a8b2c95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_limit_counter_v1()
    op.drop_table("receipt_failure")


def downgrade() -> None:
    op.create_table(
        "receipt_failure",
        sa.Column("key", AutoString(length=80), nullable=False),
        sa.Column("window_started_at", UTCDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_receipt_failure")),
    )
    drop_limit_counter_v1()
