"""identity audit (one hash chain) and revocations

Revision ID: ae69e9fc482d
Revises: d77a5b5a1e49
Create Date: 2026-11-29 04:42:20.774981
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'ae69e9fc482d'
down_revision: str | None = 'd77a5b5a1e49'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identity_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('actor_roles', sa.JSON(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('target_region', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('target_enterprise', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_audit')),
    sa.UniqueConstraint('subject_id', 'seq', name=op.f('uq_identity_audit_subject_id_seq'))
    )
    with op.batch_alter_table('identity_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_audit_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_audit_target'), ['target'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_audit_target_enterprise'), ['target_enterprise'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_audit_target_region'), ['target_region'], unique=False)

    head = op.create_table('identity_audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_audit_head'))
    )
    # The one chain's head, there before the first writer locks it.
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'hash': '0' * 64}])
    op.create_table('revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('not_before', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocation'))
    )
    with op.batch_alter_table('revocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revocation_not_before'), ['not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_revocation_subject'), ['subject'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('revocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revocation_subject'))
        batch_op.drop_index(batch_op.f('ix_revocation_not_before'))

    op.drop_table('revocation')
    op.drop_table('identity_audit_head')
    with op.batch_alter_table('identity_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_audit_target_region'))
        batch_op.drop_index(batch_op.f('ix_identity_audit_target_enterprise'))
        batch_op.drop_index(batch_op.f('ix_identity_audit_target'))
        batch_op.drop_index(batch_op.f('ix_identity_audit_subject_id'))

    op.drop_table('identity_audit')
