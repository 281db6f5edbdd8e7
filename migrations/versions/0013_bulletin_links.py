"""a reminder's personal link to the week's bulletin: a third purpose of the emailed links
(their CHECK admitted only invitations and resets), the défi it opens, and each promotion's
switch to turn these links off

Revision ID: 0013_bulletin_links
Revises: 0010_access_state
Create Date: 2026-12-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_bulletin_links'
down_revision = '0011_calendar_feeds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('promotion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulletin_links', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('defi_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_password_token_defi_id_defi'), 'defi', ['defi_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_password_token_purpose'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_password_token_purpose'),
                                         "purpose IN ('invitation', 'reset', 'bulletin')")
        batch_op.create_check_constraint(batch_op.f('ck_password_token_bulletin_defi'),
                                         "(purpose = 'bulletin') = (defi_id IS NOT NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM password_token WHERE purpose = 'bulletin'")
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_password_token_bulletin_defi'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_password_token_purpose'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_password_token_purpose'), "purpose IN ('invitation', 'reset')")
        batch_op.drop_constraint(batch_op.f('fk_password_token_defi_id_defi'), type_='foreignkey')
        batch_op.drop_column('defi_id')
    with op.batch_alter_table('promotion', schema=None) as batch_op:
        batch_op.drop_column('bulletin_links')
