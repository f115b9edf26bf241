"""outbox on the leased delivery queue: state (parked), last status, subject

Revision ID: 3e7c1d68143a
Revises: 3f8d2a61c7e4
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import drop_outbox_delivery_state_v2, outbox_delivery_state_v2

revision: str = "3e7c1d68143a"
down_revision: str | None = "3f8d2a61c7e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_delivery_state_v2()


def downgrade() -> None:
    drop_outbox_delivery_state_v2()
