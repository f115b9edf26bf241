"""tip_off_flag: possible duplicates as one row per pair, no longer a JSON list on each tip-off

Intake flagged the new tip-off's candidates by appending its id to each one's JSON list — a
read, a lock and a rewrite of up to fifty rows, so intakes naming the same enterprise at the same
moment waited for each other. A pair is now one row, inserted once. The lists are carried over
(each pair once, later tip-off first) and the column dropped.

Revision ID: 8d4f2a6c1e93
Revises: f59f9bf0f4e2
Create Date: 2026-12-14 10:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d4f2a6c1e93"
down_revision: str | None = "f59f9bf0f4e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def _listed(value: object) -> list[int]:
    """A stored list (a JSON string on SQLite, already decoded on PostgreSQL)."""
    if isinstance(value, str):
        value = json.loads(value)
    return [int(other) for other in value or []]


def upgrade() -> None:
    flag = op.create_table(
        "tip_off_flag",
        sa.Column("tip_off_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tip_off_id"], ["tip_off.id"], name=op.f("fk_tip_off_flag_tip_off_id_tip_off")),
        sa.ForeignKeyConstraint(["other_id"], ["tip_off.id"], name=op.f("fk_tip_off_flag_other_id_tip_off")),
        sa.PrimaryKeyConstraint("tip_off_id", "other_id", name=op.f("pk_tip_off_flag")),
    )
    op.create_index(op.f("ix_tip_off_flag_other_id"), "tip_off_flag", ["other_id"], unique=False)

    connection = op.get_bind()
    listed = connection.execute(sa.text("SELECT id, possible_duplicates FROM tip_off")).all()
    existing = {tip_off_id for tip_off_id, _ in listed}
    pairs = {
        (max(tip_off_id, other), min(tip_off_id, other))
        for tip_off_id, flags in listed
        for other in _listed(flags)
        if other in existing and other != tip_off_id
    }
    rows = [{"tip_off_id": later, "other_id": earlier} for later, earlier in sorted(pairs)]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(flag, rows[start : start + CHUNK])

    # In place (SQLite 3.35+ drops a column itself): a batch copy of ``tip_off`` would have to
    # drop the table that the flags just written, and every message and media row, refer to.
    op.drop_column("tip_off", "possible_duplicates")


def downgrade() -> None:
    op.add_column("tip_off", sa.Column("possible_duplicates", sa.JSON(), nullable=False, server_default="[]"))
    connection = op.get_bind()
    flags: dict[int, list[int]] = {}
    for later, earlier in connection.execute(sa.text("SELECT tip_off_id, other_id FROM tip_off_flag")):
        flags.setdefault(later, []).append(earlier)
        flags.setdefault(earlier, []).append(later)
    update = sa.text("UPDATE tip_off SET possible_duplicates = :flags WHERE id = :id")
    for tip_off_id, others in flags.items():
        connection.execute(update, {"id": tip_off_id, "flags": json.dumps(sorted(others)[-50:])})
    op.drop_index(op.f("ix_tip_off_flag_other_id"), table_name="tip_off_flag")
    op.drop_table("tip_off_flag")
