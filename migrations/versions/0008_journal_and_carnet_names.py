"""one English name per concept: the défi's journal (journal_entry, was log_entry) and the
EIG's monthly carnet (monthly_carnet, was monthly_checkin); audit events follow

Revision ID: 0008_journal_carnet_names
Revises: 0007_password_tokens
Create Date: 2026-12-01 06:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_journal_carnet_names'
down_revision = '0007_password_tokens'
branch_labels = None
depends_on = None

# old table -> new table; the prefix of every constraint, index and sequence name follows.
TABLES = [('log_entry', 'journal_entry'), ('log_entry_category', 'journal_entry_category'),
          ('monthly_checkin', 'monthly_carnet')]
# PostgreSQL names the convention derived from the table (SQLite keeps them inside the table's
# text, where nothing reads them).
PG_CONSTRAINTS = {
    'journal_entry': ['pk_log_entry', 'fk_log_entry_author_id_user', 'fk_log_entry_created_by_id_user',
                      'fk_log_entry_defi_id_defi', 'ck_log_entry_livrable_len', 'ck_log_entry_tache_len',
                      'ck_log_entry_news_values'],
    'journal_entry_category': ['pk_log_entry_category', 'fk_log_entry_category_entry_id_log_entry'],
    'monthly_carnet': ['pk_monthly_checkin', 'fk_monthly_checkin_created_by_id_user', 'fk_monthly_checkin_defi_id_defi',
                       'fk_monthly_checkin_user_id_user', 'ck_monthly_checkin_apprentissages_len',
                       'ck_monthly_checkin_besoins_len', 'ck_monthly_checkin_objectifs_len',
                       'ck_monthly_checkin_trajectoire_len'],
    'competency_rating': ['fk_competency_rating_checkin_id_monthly_checkin'],
}
INDEXES = [('ix_log_entry_defi_done_on', 'ix_journal_entry_defi_done_on', 'journal_entry', ['defi_id', 'done_on']),
           ('ix_monthly_checkin_defi_id', 'ix_monthly_carnet_defi_id', 'monthly_carnet', ['defi_id'])]
UNIQUES = [('uq_monthly_checkin_user_month', 'uq_monthly_carnet_user_month', 'monthly_carnet', ['user_id', 'month']),
           ('uq_competency_rating_checkin_competency', 'uq_competency_rating_carnet_competency', 'competency_rating',
            ['carnet_id', 'competency'])]


def _new_name(name: str) -> str:
    return (name.replace('log_entry', 'journal_entry').replace('monthly_checkin', 'monthly_carnet')
            .replace('checkin_id', 'carnet_id').replace('rating_checkin', 'rating_carnet'))


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for old, new in TABLES:
        op.rename_table(old, new)
        if postgresql and old != 'log_entry_category':
            op.execute(f'ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq')
    with op.batch_alter_table('competency_rating') as batch_op:
        batch_op.alter_column('checkin_id', new_column_name='carnet_id', existing_type=sa.Integer(),
                              existing_nullable=False)
    for old, new, table, columns in INDEXES:
        if postgresql:
            op.execute(f'ALTER INDEX {old} RENAME TO {new}')
        else:
            op.drop_index(old, table_name=table)
            op.create_index(new, table, columns, unique=False)
    for old, new, table, columns in UNIQUES:
        if postgresql:
            op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}')
        else:
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_constraint(old, type_='unique')
                batch_op.create_unique_constraint(new, columns)
    if postgresql:
        for table, names in PG_CONSTRAINTS.items():
            for name in names:
                op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {name} TO {_new_name(name)}')
    for old, new in TABLES:
        op.execute(sa.text('UPDATE audit_event SET entity = :new WHERE entity = :old').bindparams(old=old, new=new))


def downgrade() -> None:
    raise NotImplementedError('the names are not taken back: restore a snapshot taken before 0008 instead')
