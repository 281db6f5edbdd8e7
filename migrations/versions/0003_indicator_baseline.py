"""indicator baseline: where a défi's indicator started, shown with its target

Revision ID: 0003_indicator_baseline
Revises: 0002_portfolio_programme
Create Date: 2026-11-23 12:04:14.583565
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_indicator_baseline'
down_revision = '0002_portfolio_programme'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('baseline')
