"""outbox on the leased delivery queue: state (parked), last status, subject

Revision ID: efae1c458eed
Revises: c8bcc5014440
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import drop_outbox_delivery_state_v2, outbox_delivery_state_v2

revision: str = "efae1c458eed"
down_revision: str | None = "c8bcc5014440"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_delivery_state_v2()


def downgrade() -> None:
    drop_outbox_delivery_state_v2()
