"""hazards and their audit trail

Revision ID: 747704932002
Revises: ddf21f9eb4a6
Create Date: 2026-11-22 22:51:24.525992
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '747704932002'
down_revision: str | None = 'ddf21f9eb4a6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hazard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('basis_standard', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('basis_clause', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('found_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reported_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('supervising_department_id', sa.Integer(), nullable=True),
    sa.Column('lister_region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('notice_year', sa.Integer(), nullable=True),
    sa.Column('notice_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('original_deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deadline_provisional', sa.Boolean(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('step_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('production_suspended', sa.Boolean(), nullable=False),
    sa.Column('suspended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.Column('audit_head', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_hazard_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['supervising_department_id'], ['department.id'], name=op.f('fk_hazard_supervising_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard')),
    sa.UniqueConstraint('lister_region_code', 'notice_year', 'notice_no', name=op.f('uq_hazard_lister_region_code_notice_year_notice_no')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_hazard_source_ref'))
    )
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_enterprise_code'), ['enterprise_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_grade'), ['grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_lister_region_code'), ['lister_region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_supervising_department_id'), ['supervising_department_id'], unique=False)

    op.create_table('hazard_audit',
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
    sa.ForeignKeyConstraint(['subject_id'], ['hazard.id'], name=op.f('fk_hazard_audit_subject_id_hazard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_audit')),
    sa.UniqueConstraint('subject_id', 'seq', name=op.f('uq_hazard_audit_subject_id_seq'))
    )
    with op.batch_alter_table('hazard_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_audit_subject_id'), ['subject_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hazard_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_audit_subject_id'))

    op.drop_table('hazard_audit')
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_supervising_department_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_state'))
        batch_op.drop_index(batch_op.f('ix_hazard_source'))
        batch_op.drop_index(batch_op.f('ix_hazard_region_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_lister_region_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_industry'))
        batch_op.drop_index(batch_op.f('ix_hazard_grade'))
        batch_op.drop_index(batch_op.f('ix_hazard_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_enterprise_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_deadline_at'))

    op.drop_table('hazard')
