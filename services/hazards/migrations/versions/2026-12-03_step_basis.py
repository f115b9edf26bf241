"""hazards: how the next step's time limit was counted, and whether it is provisional

Revision ID: 2b9e5c7a4f10
Revises: 8c4d2e6f1a37
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

from qingling.platform_migrations import add_step_basis, drop_step_basis

revision: str = "2b9e5c7a4f10"
down_revision: str | None = "8c4d2e6f1a37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_step_basis("hazard")


def downgrade() -> None:
    drop_step_basis("hazard")
