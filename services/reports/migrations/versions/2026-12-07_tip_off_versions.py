"""tip-off and reward versions: their figure-relevant columns over time, for figures as of any moment

Back-fills one current version per stored tip-off (valid from its receipt) and reward (from its
assessment). Older history is not rebuilt from the trail, as for hazards: the figures still leave
out every event stamped after the moment asked for (an acceptance, a reply, a payout), so a
tip-off stored before this revision counts as received-not-decided before its decision; what the
stamps cannot tell — a region, department or outcome changed since — it shows as it stands now.
Every change from here on is versioned.

Revision ID: 7f2b9d4e6a18
Revises: 4c7a1e9d3b62
Create Date: 2026-12-07 10:00:00
"""

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7f2b9d4e6a18"
down_revision: str | None = "4c7a1e9d3b62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIP_OFF_COLUMNS = (
    "region_code", "industry", "category", "channel", "lead_department_id", "lead_department", "state",
    "received_at", "accepted_at", "concluded_at", "outcome", "replied_at", "hazard_id", "step_due_at",
    "closed_at", "updated_at",
)  # fmt: skip
REWARD_COLUMNS = (
    "tip_off_id", "state", "amount_yuan", "assessed_at", "decided_at", "notified_at", "claimed_at", "lapsed_at",
    "paid_on", "paid_amount_yuan", "payout_recorded_at", "closed_at", "updated_at",
)  # fmt: skip


def _version_table(name: str, item: str, *columns: sa.Column) -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", moment(), nullable=False),
        sa.Column("valid_to", moment(), nullable=True),
        *columns,
        sa.ForeignKeyConstraint(["item_id"], [f"{item}.id"], name=op.f(f"fk_{name}_item_id_{item}")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        current = sa.text("valid_to IS NULL")
        batch_op.create_index(
            f"ix_{name}_current", ["item_id"], unique=True, postgresql_where=current, sqlite_where=current
        )
        batch_op.create_index(f"ix_{name}_item_id_valid_from", ["item_id", "valid_from"], unique=False)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    _version_table(
        "tip_off_version",
        "tip_off",
        sa.Column("region_code", text(length=9), nullable=False),
        sa.Column("industry", text(length=32), nullable=False),
        sa.Column("category", text(length=30), nullable=False),
        sa.Column("channel", text(length=20), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=True),
        sa.Column("lead_department", text(length=64), nullable=True),
        sa.Column("state", text(length=30), nullable=False),
        sa.Column("refusal_ground", text(length=30), nullable=True),
        sa.Column("received_at", moment(), nullable=False),
        sa.Column("accepted_at", moment(), nullable=True),
        sa.Column("concluded_at", moment(), nullable=True),
        sa.Column("outcome", text(length=20), nullable=True),
        sa.Column("replied_at", moment(), nullable=True),
        sa.Column("objected_at", moment(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("step_due_at", moment(), nullable=True),
        sa.Column("closed_at", moment(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
    )
    with op.batch_alter_table("tip_off_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_off_version_received_at"), ["received_at"], unique=False)
    _version_table(
        "reward_version",
        "reward",
        sa.Column("tip_off_id", sa.Integer(), nullable=False),
        sa.Column("state", text(length=20), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=False),
        sa.Column("assessed_at", moment(), nullable=False),
        sa.Column("decided_at", moment(), nullable=True),
        sa.Column("notified_at", moment(), nullable=True),
        sa.Column("claimed_at", moment(), nullable=True),
        sa.Column("lapsed_at", moment(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_amount_yuan", sa.Integer(), nullable=True),
        sa.Column("payout_recorded_at", moment(), nullable=True),
        sa.Column("closed_at", moment(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tip_off_id"], ["tip_off.id"], name=op.f("fk_reward_version_tip_off_id_tip_off")),
    )
    _back_fill()


def _back_fill() -> None:
    """One current version per tip-off and reward. The refusal ground and the objection's time are
    in the tip-off's typed details (JSON), read here in Python: the same on both engines."""
    connection = op.get_bind()
    moment = sqlmodel.sql.sqltypes.UTCDateTime()
    source = sa.table(
        "tip_off",
        sa.column("id", sa.Integer()),
        sa.column("details", sa.JSON()),
        *(sa.column(name, moment if name.endswith("_at") else None) for name in TIP_OFF_COLUMNS),
    )
    target = sa.table(
        "tip_off_version",
        sa.column("item_id"),
        sa.column("valid_from", moment),
        sa.column("valid_to", moment),
        sa.column("refusal_ground"),
        sa.column("objected_at", moment),
        *(sa.column(name, moment if name.endswith("_at") else None) for name in TIP_OFF_COLUMNS),
    )
    rows = []
    for row in connection.execute(sa.select(source)).mappings():
        details = row["details"] if isinstance(row["details"], dict) else json.loads(row["details"] or "{}")
        objection = details.get("objection") or {}
        rows.append(
            {
                "item_id": row["id"],
                "valid_from": row["received_at"],
                "valid_to": None,
                "refusal_ground": (details.get("refusal") or {}).get("ground"),
                "objected_at": datetime.fromisoformat(objection["at"]) if objection.get("at") else None,
                **{name: row[name] for name in TIP_OFF_COLUMNS},
            }
        )
    if rows:
        op.bulk_insert(target, rows)
    names = ", ".join(REWARD_COLUMNS)
    op.execute(
        f"INSERT INTO reward_version (item_id, valid_from, valid_to, {names}) "
        f"SELECT id, assessed_at, NULL, {names} FROM reward"
    )


def downgrade() -> None:
    op.drop_table("reward_version")
    op.drop_table("tip_off_version")
