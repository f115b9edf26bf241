"""initial

Revision ID: b3498943a4fd
Revises:
Create Date: 2026-11-22 21:57:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from qingling.platform_migrations import create_platform_tables_v1, drop_platform_tables_v1

revision: str = "b3498943a4fd"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables_v1()
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )


def downgrade() -> None:
    op.drop_table("note")
    drop_platform_tables_v1()
