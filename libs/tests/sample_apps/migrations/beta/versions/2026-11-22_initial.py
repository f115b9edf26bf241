"""initial

Revision ID: c8bcc5014440
Revises:
Create Date: 2026-11-22 21:57:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from qingling.platform_migrations import create_platform_tables_v1, drop_platform_tables_v1

revision: str = "c8bcc5014440"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables_v1()
    op.create_table(
        "received_note",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_received_note")),
    )


def downgrade() -> None:
    op.drop_table("received_note")
    drop_platform_tables_v1()
