"""password tokens (invitations and resets by email) and the reset requests kept for
their rate limits

Revision ID: 0007_password_tokens
Revises: 0006_session_epoch_throttle
Create Date: 2026-12-01 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_password_tokens'
down_revision = '0006_session_epoch_throttle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('password_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('invitation', 'reset')", name=op.f('ck_password_token_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_token_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_password_token_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_token_token_hash'))
    )
    op.create_index(op.f('ix_password_token_user_id'), 'password_token', ['user_id'], unique=False)
    op.create_table('reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_request'))
    )
    op.create_index('ix_reset_request_address', 'reset_request', ['address_hash', 'requested_at'], unique=False)
    op.create_index('ix_reset_request_client', 'reset_request', ['client', 'requested_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reset_request_client', table_name='reset_request')
    op.drop_index('ix_reset_request_address', table_name='reset_request')
    op.drop_table('reset_request')
    op.drop_index(op.f('ix_password_token_user_id'), table_name='password_token')
    op.drop_table('password_token')
