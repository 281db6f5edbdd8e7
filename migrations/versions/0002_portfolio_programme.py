"""portfolio and programme facts: coaching sessions, trainings, ouverture facts per défi,
EIGs still in their administration after the programme

Revision ID: 0002_portfolio_programme
Revises: 0001
Create Date: 2026-11-23 11:59:58.144011
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_portfolio_programme'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('promotion_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('attendees >= 0', name=op.f('ck_training_attendees_positive')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 200', name=op.f('ck_training_title_len')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotion.id'], name=op.f('fk_training_promotion_id_promotion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training'))
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_promotion_id'), ['promotion_id'], unique=False)

    op.create_table('coaching_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('defi_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sa.Enum('appel', 'rendez_vous', 'atelier', 'bureau_aide', name='coaching_form', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(note) <= 500', name=op.f('ck_coaching_session_note_len')),
    sa.ForeignKeyConstraint(['coach_id'], ['user.id'], name=op.f('fk_coaching_session_coach_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_coaching_session_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['defi_id'], ['defi.id'], name=op.f('fk_coaching_session_defi_id_defi'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_session'))
    )
    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_session_defi_held_on', ['defi_id', 'held_on'], unique=False)

    with op.batch_alter_table('defi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_code', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('published_datasets', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('libraries', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint(op.f('ck_defi_published_datasets_positive'), 'published_datasets >= 0')
        batch_op.create_check_constraint(op.f('ck_defi_libraries_positive'), 'libraries >= 0')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stayed_in_administration', sa.Boolean(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('stayed_in_administration')

    with op.batch_alter_table('defi', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_defi_libraries_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_defi_published_datasets_positive'), type_='check')
        batch_op.drop_column('libraries')
        batch_op.drop_column('published_datasets')
        batch_op.drop_column('public_code')

    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_session_defi_held_on')

    op.drop_table('coaching_session')
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_promotion_id'))

    op.drop_table('training')
