"""indexes found by `make bench` on a large database: a défi's bulletins by date with
their mood, and key dates by the bulletin that announced them

Revision ID: 0005_scale_indexes
Revises: 0004_login_throttle
Create Date: 2026-11-23 12:46:04
"""

from alembic import op


revision = '0005_scale_indexes'
down_revision = '0004_login_throttle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_bulletin_defi_week_start_mood', 'bulletin', ['defi_id', 'week_start', 'mood'])
    op.create_index('ix_key_date_bulletin_id', 'key_date', ['bulletin_id'])


def downgrade() -> None:
    op.drop_index('ix_key_date_bulletin_id', table_name='key_date')
    op.drop_index('ix_bulletin_defi_week_start_mood', table_name='bulletin')
