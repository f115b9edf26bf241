"""tip-off media: kept without metadata and sealed (``cleaned``; media from before are not), and
the uploader's address HMAC for the quota on unattached media

Revision ID: 5b8e3c1d9f27
Revises: 9a4c2e7f1b36
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "5b8e3c1d9f27"
down_revision: str | None = "9a4c2e7f1b36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tip_off_media") as table:
        # Media already kept were stored as received: stripped when read (reports.media.service).
        table.add_column(sa.Column("cleaned", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("uploader_key", AutoString(length=64), nullable=True))
        table.create_index(table.f("ix_tip_off_media_uploader_key"), ["uploader_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tip_off_media") as table:
        table.drop_index(table.f("ix_tip_off_media_uploader_key"))
        table.drop_column("uploader_key")
        table.drop_column("cleaned")
