"""cache versions per scope (global, programme, promotion, défi) instead of one database-wide
counter, so that a write leaves warm the cached reads of what it did not change

Revision ID: 0014_scope_versions
Revises: 0013_bulletin_links
Create Date: 2026-12-05 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_scope_versions'
down_revision = '0013_bulletin_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table('scope_version',
                               sa.Column('scope', sa.String(length=32), nullable=False),
                               sa.Column('value', sa.Integer(), nullable=False),
                               sa.PrimaryKeyConstraint('scope', name=op.f('pk_scope_version')))
    # Carried on: a counter never goes back, so no key cached before the upgrade is met again.
    op.execute(versions.insert().from_select(['scope', 'value'], sa.select(sa.literal('global'), sa.column('value'))
                                             .select_from(sa.table('data_version', sa.column('value')))))
    op.drop_table('data_version')


def downgrade() -> None:
    versions = op.create_table('data_version',
                               sa.Column('id', sa.Integer(), nullable=False),
                               sa.Column('value', sa.Integer(), nullable=False),
                               sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')))
    op.execute(versions.insert().from_select(['id', 'value'], sa.select(
        sa.literal(1), sa.func.coalesce(sa.func.sum(sa.column('value')), 0) + 1)
        .select_from(sa.table('scope_version', sa.column('value')))))
    op.drop_table('scope_version')
