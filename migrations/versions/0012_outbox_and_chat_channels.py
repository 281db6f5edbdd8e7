"""one outbox for everything the app sends (mail and chat), the chat channels of promotions and
défi teams, and each person's choice of the recap by email

Revision ID: 0012_outbox
Revises: 0011_calendar_feeds
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_outbox'
down_revision = '0011_calendar_feeds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=True),
        sa.Column('body_html', sa.Text(), nullable=True),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'chat')", name=op.f('ck_outbox_message_channel')),
        sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_message_state')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
        sa.UniqueConstraint('kind', 'scope', 'period', 'channel', 'recipient', name='uq_outbox_message_key'),
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['state', 'next_attempt_at'], unique=False)
    op.create_table(
        'chat_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('promotion_id', sa.Integer(), nullable=True),
        sa.Column('defi_id', sa.Integer(), nullable=True),
        sa.Column('address_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(promotion_id IS NULL) <> (defi_id IS NULL)', name=op.f('ck_chat_channel_one_owner')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_chat_channel_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['defi_id'], ['defi.id'], name=op.f('fk_chat_channel_defi_id_defi'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['promotion_id'], ['promotion.id'], name=op.f('fk_chat_channel_promotion_id_promotion'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_channel')),
        sa.UniqueConstraint('defi_id', name=op.f('uq_chat_channel_defi_id')),
        sa.UniqueConstraint('promotion_id', name=op.f('uq_chat_channel_promotion_id')),
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recap_email', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('recap_email')
    op.drop_table('chat_channel')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
