"""reminders: provisional (counted before the year's holiday notice), re-planned from/at, note; state failed

Revision ID: 5e7a9b3c2d18
Revises: 3fc570f657bd
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e7a9b3c2d18"
down_revision: str | None = "3fc570f657bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows were planned before provisional counting existed: false, until a load re-plans them.
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("replanned_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("replanned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("replanned_at")
        batch_op.drop_column("replanned_from")
        batch_op.drop_column("provisional")
