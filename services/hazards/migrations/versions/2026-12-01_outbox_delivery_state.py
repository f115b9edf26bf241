"""outbox on the leased delivery queue: state (parked), last status, subject

Revision ID: 751f770aff21
Revises: 3d1f0a7c9b21
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import drop_outbox_delivery_state_v2, outbox_delivery_state_v2

revision: str = "751f770aff21"
down_revision: str | None = "3d1f0a7c9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_delivery_state_v2()


def downgrade() -> None:
    drop_outbox_delivery_state_v2()
