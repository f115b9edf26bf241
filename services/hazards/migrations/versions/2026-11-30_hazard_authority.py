"""hazard authority: the supervising department, the lister, the listing date, the extension
decision, suspended days and the close-out check as columns; notice numbers unique per lister

Back-fills every stored hazard: the supervising department from what the step recorded
(``details.supervision``), else from the register (the department of the hazard's industry for
its place, climbing town → county → city, towns never leading — as tip-offs are routed); the
lister's kind from the supervising department when it sits at the lister's place, else the
industry's lead department there; the listing date and the extension decision from ``details``;
the suspended days from the trail's ``resume_production`` entries.

Revision ID: 3d1f0a7c9b21
Revises: 29ea5a805480
Create Date: 2026-11-30 10:00:00
"""
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '3d1f0a7c9b21'
down_revision: str | None = '29ea5a805480'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The kind that leads each industry where several supervise it (hazards.industries.catalogue, as of this revision).
LEAD_KIND = {
    "construction": "housing", "city_gas": "housing", "transport": "transport", "fire_safety": "fire",
    "special_equipment": "market", "culture_tourism": "culture_tourism", "schools": "education",
    "hazardous_waste": "ecology", "power": "energy", "urban_facilities": "urban_management",
    "fishery": "agriculture", "water_conservancy": "water", "civil_explosives": "industry_it",
}  # everything else: emergency

OLD_UNIQUE = 'uq_hazard_lister_region_code_notice_year_notice_no'
NEW_UNIQUE = 'uq_hazard_lister_region_code_lister_kind_notice_year_notice_no'
INDEXED = ('supervising_region_code', 'supervising_kind', 'lister_kind', 'listed_on', 'extension_granted')


def upgrade() -> None:
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervising_region_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True))
        batch_op.add_column(sa.Column('supervising_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('supervising_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('lister_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('lister_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('listed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('suspended_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('extension_granted', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('extension_decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('close_out_checked_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('close_out_checked_department', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('close_out_checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_hazard_{column}'), [column], unique=False)
        batch_op.drop_constraint(OLD_UNIQUE, type_='unique')
        batch_op.create_unique_constraint(NEW_UNIQUE, ['lister_region_code', 'lister_kind', 'notice_year', 'notice_no'])
    _back_fill(op.get_bind())


def _back_fill(connection) -> None:
    hazard = sa.table(
        'hazard', sa.column('id', sa.Integer()), sa.column('region_code', sa.String()),
        sa.column('industry', sa.String()), sa.column('details', sa.JSON()),
        sa.column('supervising_department_id', sa.Integer()), sa.column('supervising_region_code', sa.String()),
        sa.column('supervising_kind', sa.String()), sa.column('supervising_name', sa.String()),
        sa.column('lister_region_code', sa.String()), sa.column('lister_kind', sa.String()),
        sa.column('lister_name', sa.String()), sa.column('listed_on', sa.Date()),
        sa.column('suspended_days', sa.Integer()), sa.column('extension_granted', sa.Boolean()),
        sa.column('extension_decided_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )  # fmt: skip
    department = sa.table(
        'department', sa.column('id', sa.Integer()), sa.column('region_code', sa.String()),
        sa.column('kind', sa.String()), sa.column('name', sa.String()), sa.column('industries', sa.JSON()),
        sa.column('active', sa.Boolean()),
    )  # fmt: skip
    region = sa.table('region', sa.column('code', sa.String()), sa.column('parent_code', sa.String()))
    audit = sa.table('hazard_audit', sa.column('subject_id', sa.Integer()), sa.column('action', sa.String()),
                     sa.column('payload', sa.JSON()))  # fmt: skip

    rows = connection.execute(sa.select(hazard)).mappings().all()
    if not rows:
        return
    departments = connection.execute(sa.select(department)).mappings().all()
    by_id = {d['id']: d for d in departments}
    by_place = {(d['region_code'], d['kind']): d for d in departments}
    parents = dict(connection.execute(sa.select(region.c.code, region.c.parent_code)).all())
    paused: dict[int, int] = {}
    resumed = sa.select(audit.c.subject_id, audit.c.payload).where(audit.c.action == 'resume_production')
    for subject_id, payload in connection.execute(resumed).all():
        paused[subject_id] = paused.get(subject_id, 0) + max(int((payload or {}).get('paused_days') or 0), 0)

    def resolve(region_code: str, industry: str):
        lead = LEAD_KIND.get(industry, 'emergency')
        place = region_code
        while place:
            if len(place) == 6:  # towns assist, never lead
                found = [d for d in departments if d['region_code'] == place and d['active']
                         and industry in (d['industries'] or [])]  # fmt: skip
                if found:
                    return sorted(found, key=lambda d: (d['kind'] != lead, d['id']))[0]
            place = parents.get(place)
        return None

    for row in rows:
        details = dict(row['details'] or {})
        supervision = details.pop('supervision', None) or {}
        chosen = by_id.get(supervision.get('id')) or by_id.get(row['supervising_department_id'])
        chosen = chosen or resolve(row['region_code'], row['industry'])
        values: dict = {'details': details, 'suspended_days': paused.get(row['id'], 0)}
        if chosen is not None:
            values |= {'supervising_department_id': chosen['id'], 'supervising_region_code': chosen['region_code'],
                       'supervising_kind': chosen['kind'], 'supervising_name': chosen['name']}  # fmt: skip
        if row['lister_region_code']:
            if chosen is not None and chosen['region_code'] == row['lister_region_code']:
                kind = chosen['kind']
            else:
                kind = LEAD_KIND.get(row['industry'], 'emergency')
            lister = by_place.get((row['lister_region_code'], kind))
            values |= {'lister_kind': kind, 'lister_name': lister['name'] if lister else None}
        if listed_on := (details.get('listing') or {}).get('listed_on'):
            values['listed_on'] = date.fromisoformat(listed_on)
        extension = details.get('extension') or {}
        if extension.get('decided_at'):
            values['extension_granted'] = bool(extension.get('granted'))
            values['extension_decided_at'] = datetime.fromisoformat(extension['decided_at'])
        connection.execute(hazard.update().where(hazard.c.id == row['id']).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_constraint(NEW_UNIQUE, type_='unique')
        batch_op.create_unique_constraint(OLD_UNIQUE, ['lister_region_code', 'notice_year', 'notice_no'])
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_hazard_{column}'))
        for column in ('close_out_checked_at', 'close_out_checked_department', 'close_out_checked_by',
                       'extension_decided_at', 'extension_granted', 'suspended_days', 'listed_on', 'lister_name',
                       'lister_kind', 'supervising_name', 'supervising_kind', 'supervising_region_code'):  # fmt: skip
            batch_op.drop_column(column)
