"""tip-offs and rewards: how the next step's time limit was counted, and whether it is provisional

Revision ID: 6d1f3a8b2c95
Revises: 3e7c1d68143a
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import add_step_basis, drop_step_basis

revision: str = "6d1f3a8b2c95"
down_revision: str | None = "3e7c1d68143a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_step_basis("tip_off", "reward")


def downgrade() -> None:
    drop_step_basis("tip_off", "reward")
