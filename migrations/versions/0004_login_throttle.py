"""login throttle: an account's failed logins in a row and until when it is locked

Revision ID: 0004_login_throttle
Revises: 0003_indicator_baseline
Create Date: 2026-11-23 12:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_login_throttle'
down_revision = '0003_indicator_baseline'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_throttle_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_login_throttle'))
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
