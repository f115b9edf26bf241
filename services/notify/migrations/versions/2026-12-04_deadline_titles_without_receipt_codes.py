"""the deadline board titles a tip-off by its number, no longer by its receipt code

Revision ID: 7b3d9f2a6c41
Revises: 5e7a9b3c2d18
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3d9f2a6c41"
down_revision: str | None = "5e7a9b3c2d18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    board = sa.table("tracked_deadline", sa.column("item_type"), sa.column("item_id"), sa.column("title"))
    number = sa.cast(board.c.item_id, sa.String)
    op.execute(board.update().where(board.c.item_type == "tip_off").values(title="举报（编号 " + number + "）"))


def downgrade() -> None:
    pass  # the receipt codes are not the board's to put back; the next event of each tip-off would not either
