"""membership joined_on: an EIG who arrives after the promotion's start owes no monthly carnet
before her arrival (the row's created_at says when it was typed, not when she arrived)

Revision ID: 0009_membership_joined_on
Revises: 0008_journal_carnet_names
Create Date: 2026-12-04 22:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_membership_joined_on'
down_revision = '0008_journal_carnet_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('joined_on')
