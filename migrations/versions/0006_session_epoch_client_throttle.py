"""session epoch on user (ending every session of an account) and login throttling per
typed login and client instead of per account

Revision ID: 0006_session_epoch_throttle
Revises: 0005_scale_indexes
Create Date: 2026-11-30 22:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_session_epoch_throttle'
down_revision = '0005_scale_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user', sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    # Counts and locks are short-lived: the old per-account rows are dropped, not converted.
    op.drop_table('login_throttle')
    op.create_table('login_throttle',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('login', 'client', name=op.f('pk_login_throttle'))
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    op.create_table('login_throttle',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_throttle_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('user') as batch:
        batch.drop_column('session_epoch')
