"""Migration steps for the platform tables (``tables.py``) that every service database has.

Each service's first migration calls ``create_platform_tables_v1()``. These functions are frozen
history, like any migration: a later change to the platform tables gets a ``…_v2`` step that
every service's next migration calls, never an edit here.
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

_PENDING = sa.text("sent_at IS NULL")


def create_platform_tables_v1() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("owner", AutoString(length=100), nullable=False),
        sa.Column("key", AutoString(length=255), nullable=False),
        sa.Column("fingerprint", AutoString(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "inbox_message",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", AutoString(length=100), nullable=False),
        sa.Column("source", AutoString(length=50), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox_message")),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", AutoString(length=100), nullable=False),
        sa.Column("destination", AutoString(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("request_id", AutoString(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("available_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", AutoString(length=500), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_event_id"), ["event_id"])
        batch_op.create_index(
            "ix_outbox_message_pending", ["available_at"], sqlite_where=_PENDING, postgresql_where=_PENDING
        )


def drop_platform_tables_v1() -> None:
    op.drop_table("outbox_message")
    op.drop_table("inbox_message")
    op.drop_table("idempotency_record")


def create_holiday_arrangement_v1() -> None:
    """The copy of the working-day calendar every service that counts time limits keeps
    (``qingling.holidays.HolidayArrangementBase``)."""
    op.create_table(
        "holiday_arrangement",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("makeup_workdays", sa.JSON(), nullable=False),
        sa.Column("source", AutoString(length=100), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_holiday_arrangement")),
    )


def drop_holiday_arrangement_v1() -> None:
    op.drop_table("holiday_arrangement")


def outbox_delivery_state_v2() -> None:
    """The outbox on the leased delivery queue (``qingling.delivery``): a state (pending, delivered,
    parked), the receiver's last status, and the event's subject so a parked event can be shown on
    the thing it is about. Back-filled: sent rows delivered, the subject from the envelope."""
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("state", AutoString(length=10), nullable=False, server_default="pending"))
        batch_op.add_column(sa.Column("last_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("subject", AutoString(length=100), nullable=True))
        batch_op.drop_index("ix_outbox_message_pending")
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Uuid()),
        sa.column("payload", sa.JSON()),
        sa.column("sent_at", UTCDateTime()),
        sa.column("state", AutoString()),
        sa.column("subject", AutoString()),
    )
    connection = op.get_bind()
    connection.execute(outbox.update().where(outbox.c.sent_at.is_not(None)).values(state="delivered"))
    for row_id, payload in connection.execute(sa.select(outbox.c.id, outbox.c.payload)).all():
        subject = (payload or {}).get("subject")
        if subject:
            connection.execute(outbox.update().where(outbox.c.id == row_id).values(subject=str(subject)[:100]))
    pending = sa.text("state = 'pending'")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.alter_column("state", server_default=None)
        batch_op.create_index(batch_op.f("ix_outbox_message_subject"), ["subject"])
        batch_op.create_index(
            "ix_outbox_message_pending", ["available_at"], sqlite_where=pending, postgresql_where=pending
        )


def drop_outbox_delivery_state_v2() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_index("ix_outbox_message_pending")
        batch_op.drop_index(batch_op.f("ix_outbox_message_subject"))
        batch_op.drop_column("subject")
        batch_op.drop_column("last_status")
        batch_op.drop_column("state")
        batch_op.create_index(
            "ix_outbox_message_pending", ["available_at"], sqlite_where=_PENDING, postgresql_where=_PENDING
        )


def add_step_basis(*tables: str) -> None:
    """The lifecycle runner's columns on the items it moves (``qingling.lifecycle.Stateful``): how
    the next step's time limit was counted and whether it is provisional. Limits set before keep
    their end as counted then (no basis to count again from) and are not provisional."""
    for table in tables:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("step_basis", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("step_provisional", sa.Boolean(), nullable=False, server_default=sa.false()))


def drop_step_basis(*tables: str) -> None:
    for table in tables:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("step_provisional")
            batch_op.drop_column("step_basis")


def create_limit_counter_v1() -> None:
    """``qingling.limits``: the counters of a service that limits attempts (identity, reports, hazards)."""
    op.create_table(
        "limit_counter",
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("group_key", AutoString(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTCDateTime(), nullable=False),
        sa.Column("window_ends_at", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_limit_counter")),
    )
    with op.batch_alter_table("limit_counter") as batch_op:
        batch_op.create_index(batch_op.f("ix_limit_counter_group_key"), ["group_key"])


def drop_limit_counter_v1() -> None:
    op.drop_table("limit_counter")


def holiday_arrangement_copy_v2() -> None:
    """A service's copy of the calendar: the owner's change number, and tombstones for withdrawn
    loads (``qingling.holidays.HolidayArrangementCopyBase``). Rows copied before keep number 0."""
    with op.batch_alter_table("holiday_arrangement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()))


def drop_holiday_arrangement_copy_v2() -> None:
    with op.batch_alter_table("holiday_arrangement", schema=None) as batch_op:
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("version")


def idempotency_record_created_at_index_v2() -> None:
    """The retention sweep (``qingling.idempotency.forget_old_answers``) reads the oldest answers
    from an index instead of the whole table."""
    with op.batch_alter_table("idempotency_record") as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_record_created_at"), ["created_at"])


def drop_idempotency_record_created_at_index_v2() -> None:
    with op.batch_alter_table("idempotency_record") as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_created_at"))
