"""sign-in limits (qingling.limits) in limit_counter, per user name and address; the account's own
failure count and lock (one lock for every address, which anyone could set off) dropped

Revision ID: 5c8e1a3f9d27
Revises: 3b808c1d3b5a
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

from qingling.platform_migrations import create_limit_counter_v1, drop_limit_counter_v1

revision: str = "5c8e1a3f9d27"
down_revision: str | None = "3b808c1d3b5a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_limit_counter_v1()
    with op.batch_alter_table("account") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))
    drop_limit_counter_v1()
