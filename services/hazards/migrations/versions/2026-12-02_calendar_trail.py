"""the calendar's trail: every load, replacement and removal of a year's holiday arrangement

Revision ID: 8c4d2e6f1a37
Revises: 751f770aff21
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8c4d2e6f1a37"
down_revision: str | None = "751f770aff21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_arrangement_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("recounted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_arrangement_change")),
    )
    with op.batch_alter_table("holiday_arrangement_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_arrangement_change_year"), ["year"], unique=False)
    # The years loaded before the trail existed are on it as loads by whoever the row does not say.
    op.execute(
        "INSERT INTO holiday_arrangement_change (year, action, actor, actor_name, at, after, recounted) "
        "SELECT year, 'load', 'unknown', '（本记录建立前加载）', loaded_at, NULL, 0 FROM holiday_arrangement"
    )


def downgrade() -> None:
    with op.batch_alter_table("holiday_arrangement_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_arrangement_change_year"))
    op.drop_table("holiday_arrangement_change")
