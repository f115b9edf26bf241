"""reinspections: 回头看 of closed 重大 hazards, and the recurrence a failed one opens

A table of re-inspections (who, when, the result, the findings, the new hazard of a failure; the
hazard's place, industry, grade, source, standard and supervising department copied for the
figures), ``recurrence_of_id`` on ``hazard`` and on its versions (the figures count recurrences
as of any moment), and the found-time index of ``hazard_version`` also including it, so
``recurred`` is read from that index alone on PostgreSQL as ``found`` is. Nothing to back-fill:
no hazard recurred before re-inspections were recorded.

Revision ID: 6ccd9556ae37
Revises: 3c8e5a1d9f47
Create Date: 2026-12-11 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '6ccd9556ae37'
down_revision: str | None = '3c8e5a1d9f47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AS_OF = ['valid_from', 'valid_to', 'region_code', 'state']
INDEXED = ('body_region_code', 'hazard_id', 'inspected_at', 'region_code', 'result')


def _found_index(include: list[str]) -> None:
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_version_found_at')
        batch_op.create_index('ix_hazard_version_found_at', ['found_at'], unique=False, postgresql_include=include)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'reinspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('region_code', text(length=9), nullable=False),
        sa.Column('industry', text(length=32), nullable=False),
        sa.Column('grade', text(length=10), nullable=False),
        sa.Column('source', text(length=20), nullable=False),
        sa.Column('basis_standard', text(length=20), nullable=True),
        sa.Column('supervising_department_id', sa.Integer(), nullable=True),
        sa.Column('inspected_at', moment(), nullable=False),
        sa.Column('inspectors', sa.JSON(), nullable=False),
        sa.Column('result', text(length=10), nullable=False),
        sa.Column('findings', text(length=2000), nullable=False),
        sa.Column('capacity', text(length=10), nullable=False),
        sa.Column('body_region_code', text(length=9), nullable=False),
        sa.Column('body_kind', text(length=32), nullable=False),
        sa.Column('body_name', text(length=64), nullable=False),
        sa.Column('recorded_by', text(length=100), nullable=False),
        sa.Column('new_hazard_id', sa.Integer(), nullable=True),
        sa.Column('created_at', moment(), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], name=op.f('fk_reinspection_hazard_id_hazard')),
        sa.ForeignKeyConstraint(['new_hazard_id'], ['hazard.id'], name=op.f('fk_reinspection_new_hazard_id_hazard')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reinspection')),
        sa.UniqueConstraint('new_hazard_id', name=op.f('uq_reinspection_new_hazard_id')),
    )
    with op.batch_alter_table('reinspection', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_reinspection_{column}'), [column], unique=False)

    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurrence_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_hazard_recurrence_of_id'), ['recurrence_of_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_hazard_recurrence_of_id_hazard'), 'hazard', ['recurrence_of_id'], ['id']
        )

    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurrence_of_id', sa.Integer(), nullable=True))
    _found_index([*AS_OF, 'grade', 'pre_2024_stock', 'recurrence_of_id'])


def downgrade() -> None:
    _found_index([*AS_OF, 'grade', 'pre_2024_stock'])
    with op.batch_alter_table('hazard_version', schema=None) as batch_op:
        batch_op.drop_column('recurrence_of_id')

    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazard_recurrence_of_id_hazard'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_hazard_recurrence_of_id'))
        batch_op.drop_column('recurrence_of_id')

    with op.batch_alter_table('reinspection', schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f'ix_reinspection_{column}'))
    op.drop_table('reinspection')
