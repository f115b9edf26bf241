"""outbox and webhooks on the leased delivery queue: outbox state (parked), last status, subject;
webhook messages that failed for good are parked

Revision ID: 3fc570f657bd
Revises: 3c1e9a7d5b20
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from qingling.platform_migrations import drop_outbox_delivery_state_v2, outbox_delivery_state_v2

revision: str = "3fc570f657bd"
down_revision: str | None = "3c1e9a7d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_delivery_state_v2()
    op.execute("UPDATE webhook_message SET state = 'parked' WHERE state = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE webhook_message SET state = 'failed' WHERE state = 'parked'")
    drop_outbox_delivery_state_v2()
