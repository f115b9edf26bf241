"""tip-offs: typed state — acceptance, conclusion, reply, outcome and extension as indexed columns
(back-filled from details), the departments that handed a case on; rewards: step, step due time
and closed time for the lifecycle runner

Revision ID: 3f8d2a61c7e4
Revises: 7c2e41b9d0a3
Create Date: 2026-11-29 10:00:00.000000
"""
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '3f8d2a61c7e4'
down_revision: str | None = '7c2e41b9d0a3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sqlmodel.sql.sqltypes.UTCDateTime
TIP_OFF_COLUMNS = (
    ('accepted_at', UTC_DATETIME(), True),
    ('accepted_by_department_id', sa.Integer(), True),
    ('accepted_by_department', sqlmodel.sql.sqltypes.AutoString(length=64), False),
    ('accepted_by_region_code', sqlmodel.sql.sqltypes.AutoString(length=9), False),
    ('accepted_by_kind', sqlmodel.sql.sqltypes.AutoString(length=30), False),
    ('concluded_at', UTC_DATETIME(), True),
    ('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), True),
    ('replied_at', UTC_DATETIME(), True),
    ('extension_days', sa.Integer(), False),
    ('extension_decision', sqlmodel.sql.sqltypes.AutoString(length=10), True),
    ('extension_decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), False),
)
PROMOTED = ('accepted_at', 'accepted_by', 'replied_at')

tip_off = sa.table(
    'tip_off',
    sa.column('id', sa.Integer()),
    sa.column('details', sa.JSON()),
    sa.column('lead_region_code', sa.String()),
    sa.column('lead_kind', sa.String()),
    *(sa.column(name, type_) for name, type_, _ in TIP_OFF_COLUMNS),
)
audit = sa.table('tip_off_audit', sa.column('subject_id', sa.Integer()), sa.column('action', sa.String()),
                 sa.column('at', UTC_DATETIME()))
reward = sa.table(
    'reward',
    sa.column('state', sa.String()),
    sa.column('step', sa.String()),
    sa.column('step_due_at', UTC_DATETIME()),
    sa.column('closed_at', UTC_DATETIME()),
    sa.column('claim_due_at', UTC_DATETIME()),
    sa.column('payout_recorded_at', UTC_DATETIME()),
    sa.column('lapsed_at', UTC_DATETIME()),
    sa.column('decided_at', UTC_DATETIME()),
    sa.column('assessed_at', UTC_DATETIME()),
)


def _when(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def upgrade() -> None:
    with op.batch_alter_table('tip_off', schema=None) as batch_op:
        for name, type_, indexed in TIP_OFF_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        for name, _, indexed in TIP_OFF_COLUMNS:
            if indexed:
                batch_op.create_index(batch_op.f(f'ix_tip_off_{name}'), [name], unique=False)
    op.create_table(
        'tip_off_holder',
        sa.Column('tip_off_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('handed_on_at', UTC_DATETIME(), nullable=False),
        sa.Column('by_action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.ForeignKeyConstraint(['tip_off_id'], ['tip_off.id'], name=op.f('fk_tip_off_holder_tip_off_id_tip_off')),
        sa.PrimaryKeyConstraint('tip_off_id', 'region_code', 'kind', name=op.f('pk_tip_off_holder')),
    )
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('step_due_at', UTC_DATETIME(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', UTC_DATETIME(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reward_step_due_at'), ['step_due_at'], unique=False)

    connection = op.get_bind()
    concluded = dict(connection.execute(
        sa.select(audit.c.subject_id, sa.func.max(audit.c.at)).where(audit.c.action == 'conclude')
        .group_by(audit.c.subject_id)
    ).all())
    rows = connection.execute(sa.select(tip_off.c.id, tip_off.c.details, tip_off.c.lead_region_code,
                                        tip_off.c.lead_kind)).all()
    for id_, details, lead_region_code, lead_kind in rows:
        details = dict(details or {})
        accepted_by = details.get('accepted_by') or {}
        extension = details.get('extension')
        values = {
            'accepted_at': _when(details.get('accepted_at')),
            'accepted_by_department_id': accepted_by.get('id'),
            'accepted_by_department': accepted_by.get('name'),
            'accepted_by_region_code': lead_region_code if accepted_by else None,
            'accepted_by_kind': lead_kind if accepted_by else None,
            'concluded_at': concluded.get(id_),
            'outcome': (details.get('finding') or {}).get('outcome'),
            'replied_at': _when(details.get('replied_at')),
        }
        if extension:
            decided_by = extension.get('granted_by') or extension.get('refused_by')
            values |= {
                'extension_days': extension.get('days'),
                'extension_decision': 'granted' if extension.get('granted_by') else
                                      'refused' if extension.get('refused_by') else 'requested',
                'extension_decided_by': decided_by,  # an account before departments were named
            }
            details['extension'] = {'reason': extension.get('reason'), 'requested_at': extension.get('requested_at')}
        for key in PROMOTED:
            details.pop(key, None)
        connection.execute(sa.update(tip_off).where(tip_off.c.id == id_).values(details=details, **values))

    connection.execute(sa.update(reward).where(reward.c.state == 'notified')
                       .values(step='领取奖励', step_due_at=reward.c.claim_due_at))
    connection.execute(sa.update(reward).where(reward.c.state == 'paid').values(closed_at=reward.c.payout_recorded_at))
    connection.execute(sa.update(reward).where(reward.c.state == 'lapsed').values(closed_at=reward.c.lapsed_at))
    connection.execute(sa.update(reward).where(reward.c.state == 'ineligible')
                       .values(closed_at=sa.func.coalesce(reward.c.decided_at, reward.c.assessed_at)))


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(tip_off)).mappings().all()
    for row in rows:
        details = dict(row['details'] or {})
        if row['accepted_at'] is not None:
            details['accepted_at'] = row['accepted_at'].isoformat()
            details['accepted_by'] = {'id': row['accepted_by_department_id'], 'name': row['accepted_by_department']}
        if row['replied_at'] is not None:
            details['replied_at'] = row['replied_at'].isoformat()
        if row['extension_days'] is not None:
            decided = {'granted': 'granted_by', 'refused': 'refused_by'}.get(row['extension_decision'])
            details['extension'] = {**(details.get('extension') or {}), 'days': row['extension_days']}
            if decided:
                details['extension'][decided] = row['extension_decided_by']
        connection.execute(sa.update(tip_off).where(tip_off.c.id == row['id']).values(details=details))

    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_step_due_at'))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('step_due_at')
        batch_op.drop_column('step')
    op.drop_table('tip_off_holder')
    with op.batch_alter_table('tip_off', schema=None) as batch_op:
        for name, _, indexed in reversed(TIP_OFF_COLUMNS):
            if indexed:
                batch_op.drop_index(batch_op.f(f'ix_tip_off_{name}'))
            batch_op.drop_column(name)
