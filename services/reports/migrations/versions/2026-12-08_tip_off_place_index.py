"""tip-offs found by place: an index on (category, latitude) for the duplicate look-up at intake

Intake looks for open tip-offs of the same category within a few hundred metres (a box of
latitude and longitude, then the distance). Without this index the box was read through the
category index alone — every tip-off of that category ever received — at each intake with a place.

Revision ID: 3e8c5a1f9b27
Revises: 7f2b9d4e6a18
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3e8c5a1f9b27"
down_revision: str | None = "7f2b9d4e6a18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tip_off_category_latitude", "tip_off", ["category", "latitude"])


def downgrade() -> None:
    op.drop_index("ix_tip_off_category_latitude", table_name="tip_off")
