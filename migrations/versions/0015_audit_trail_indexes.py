"""the audit trail at scale: each event's défi in a column of its own, filled from the
event's row (read through its parents) or, for a deleted row, from the snapshots that kept
it; and indexes reading the trail newest first, whole, one défi's or one person's

Revision ID: 0015_audit_trail_indexes
Revises: 0014_scope_versions
Create Date: 2026-12-05 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_audit_trail_indexes'
down_revision = '0014_scope_versions'
branch_labels = None
depends_on = None

# Each audited entity within a défi: the SQL reading a row's défi from its id (`:id`), as
# lib/audit.py's _DEFI_OF reads it today, written out so that this migration never changes.
_DEFI_OF = {
    'defi': 'SELECT id FROM defi WHERE id = {id}',
    **{table: f'SELECT defi_id FROM {table} WHERE id = {{id}}'
       for table in ('journal_entry', 'bulletin', 'key_date', 'monthly_carnet', 'membership', 'indicator',
                     'share_link', 'coaching_session', 'defi_phase')},
    'help_request': 'SELECT b.defi_id FROM help_request h JOIN bulletin b ON b.id = h.bulletin_id WHERE h.id = {id}',
    'phase_objective': 'SELECT p.defi_id FROM phase_objective o JOIN defi_phase p ON p.id = o.defi_phase_id '
                       'WHERE o.id = {id}',
    'committee': 'SELECT p.defi_id FROM committee c JOIN defi_phase p ON p.id = c.defi_phase_id WHERE c.id = {id}',
    'committee_action': 'SELECT p.defi_id FROM committee_action a JOIN committee c ON c.id = a.committee_id '
                        'JOIN defi_phase p ON p.id = c.defi_phase_id WHERE a.id = {id}',
    'measurement': 'SELECT i.defi_id FROM measurement m JOIN indicator i ON i.id = m.indicator_id WHERE m.id = {id}',
}


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('defi_id', sa.Integer(), nullable=True))
    for entity, query in _DEFI_OF.items():
        op.execute(f"UPDATE audit_event SET defi_id = ({query.format(id='audit_event.entity_id')}) "
                   f"WHERE entity = '{entity}' AND entity_id IS NOT NULL")
    # A deleted row: the défi its snapshots kept, the before side first (as the trail showed it).
    events = sa.table('audit_event', sa.column('entity', sa.String), sa.column('defi_id', sa.Integer),
                      sa.column('before', sa.JSON), sa.column('after', sa.JSON))
    op.execute(events.update()
               .where(events.c.defi_id.is_(None), events.c.entity.in_(list(_DEFI_OF)))
               .values(defi_id=sa.func.coalesce(events.c.before['defi_id'].as_integer(),
                                                events.c.after['defi_id'].as_integer())))
    op.create_index('ix_audit_event_at', 'audit_event', ['at', 'id'])
    op.create_index('ix_audit_event_defi_at', 'audit_event', ['defi_id', 'at', 'id'])
    op.create_index('ix_audit_event_user', 'audit_event', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_audit_event_user', table_name='audit_event')
    op.drop_index('ix_audit_event_defi_at', table_name='audit_event')
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('defi_id')
