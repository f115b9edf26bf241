"""returns (报表): the weekly, monthly, quarterly and year-end returns each department owes the
安委办 of its level, with their deadlines, figures and audit trail

Revision ID: 7d3f1b9e5a64
Revises: 5e1a9c3d7b22
Create Date: 2026-12-08 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '7d3f1b9e5a64'
down_revision: str | None = '5e1a9c3d7b22'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'periodic_return',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', text(length=10), nullable=False),
        sa.Column('period', text(length=10), nullable=False),
        sa.Column('period_first_day', sa.Date(), nullable=False),
        sa.Column('period_last_day', sa.Date(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('department_region_code', text(length=9), nullable=False),
        sa.Column('department_kind', text(length=32), nullable=False),
        sa.Column('department_name', text(length=64), nullable=False),
        sa.Column('committee_region_code', text(length=9), nullable=False),
        sa.Column('committee_name', text(length=64), nullable=False),
        sa.Column('state', text(length=20), nullable=False),
        sa.Column('due_at', moment(), nullable=False),
        sa.Column('due_provisional', sa.Boolean(), nullable=False),
        sa.Column('step', text(length=50), nullable=True),
        sa.Column('step_due_at', moment(), nullable=True),
        sa.Column('step_basis', sa.JSON(), nullable=True),
        sa.Column('step_provisional', sa.Boolean(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.Column('preparation_note', text(length=2000), nullable=True),
        sa.Column('submission_note', text(length=2000), nullable=True),
        sa.Column('first_submitted_at', moment(), nullable=True),
        sa.Column('submitted_at', moment(), nullable=True),
        sa.Column('submitted_by', text(length=100), nullable=True),
        sa.Column('sent_back_reason', text(length=1000), nullable=True),
        sa.Column('received_at', moment(), nullable=True),
        sa.Column('received_by', text(length=100), nullable=True),
        sa.Column('audit_seq', sa.Integer(), nullable=False),
        sa.Column('audit_head', text(length=64), nullable=False),
        sa.Column('created_at', moment(), nullable=False),
        sa.Column('updated_at', moment(), nullable=False),
        sa.Column('closed_at', moment(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_periodic_return_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_return')),
        sa.UniqueConstraint('kind', 'period', 'department_id', name=op.f('uq_periodic_return_kind_period_department_id')),
    )
    with op.batch_alter_table('periodic_return', schema=None) as batch_op:
        for column in ('kind', 'period', 'department_id', 'department_region_code', 'committee_region_code',
                       'state', 'due_at'):
            batch_op.create_index(batch_op.f(f'ix_periodic_return_{column}'), [column], unique=False)

    op.create_table(
        'periodic_return_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('action', text(length=50), nullable=False),
        sa.Column('actor', text(length=100), nullable=False),
        sa.Column('actor_roles', sa.JSON(), nullable=False),
        sa.Column('at', moment(), nullable=False),
        sa.Column('reason', text(length=1000), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('payload_digest', text(length=64), nullable=False),
        sa.Column('prev_hash', text(length=64), nullable=False),
        sa.Column('hash', text(length=64), nullable=False),
        sa.ForeignKeyConstraint(['subject_id'], ['periodic_return.id'],
                                name=op.f('fk_periodic_return_audit_subject_id_periodic_return')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_return_audit')),
        sa.UniqueConstraint('subject_id', 'seq', name=op.f('uq_periodic_return_audit_subject_id_seq')),
    )
    with op.batch_alter_table('periodic_return_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_return_audit_subject_id'), ['subject_id'], unique=False)


def downgrade() -> None:
    op.drop_table('periodic_return_audit')
    op.drop_table('periodic_return')
