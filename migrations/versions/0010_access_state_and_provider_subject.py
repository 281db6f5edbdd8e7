"""access bound to the account state: password links carry the session epoch they were issued
under, the epoch's last move is dated (provider sign-ins older than it open nothing), accounts
are bound to their identity provider's subject; stored email addresses take their one normal form

Revision ID: 0010_access_state
Revises: 0009_membership_joined_on
Create Date: 2026-12-05 18:00:00
"""

import logging

import sqlalchemy as sa
from alembic import op

from lib import addresses

revision = '0010_access_state'
down_revision = '0009_membership_joined_on'
branch_labels = None
depends_on = None

log = logging.getLogger("lib.migrations")


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('provider_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_provider_subject'), ['provider_subject'])
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=True))
    # A pending link is bound to its account's current epoch, unless the account row changed
    # after the link was sent: that change may have been an email correction, so such a link
    # is bound to an epoch the account no longer has, and is refused.
    op.execute('UPDATE password_token SET session_epoch = (SELECT u.session_epoch - CASE WHEN u.updated_at > '
               'password_token.created_at THEN 1 ELSE 0 END FROM "user" u WHERE u.id = password_token.user_id)')
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.alter_column('session_epoch', existing_type=sa.Integer(), nullable=False)
    _normalise_addresses()


def _normalise_addresses() -> None:
    """Rewrite every stored address in its normal form (lib.addresses). Two accounts whose
    addresses become equal both keep it, as two accounts with one address always could; an
    address that is not one (a display name and brackets, a Kelvin sign, an anonymised
    account's `.invalid` one) is left as it was, matches nothing and receives nothing; active
    accounts with one are logged, for an admin to correct."""
    conn = op.get_bind()
    users = sa.table('user', sa.column('id', sa.Integer()), sa.column('email', sa.String()),
                     sa.column('active', sa.Boolean()))
    unusable = []
    for user_id, email, active in conn.execute(sa.select(users.c.id, users.c.email, users.c.active)).all():
        try:
            normal = addresses.normalise(email)
        except ValueError:
            if active:
                unusable.append(user_id)
            continue
        if normal != email:
            conn.execute(users.update().where(users.c.id == user_id).values(email=normal))
    if unusable:
        log.warning("accounts whose email is not a plain address (correct them on the admin page): %s",
                    ", ".join(map(str, unusable)))


def downgrade() -> None:
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_provider_subject'), type_='unique')
        batch_op.drop_column('provider_subject')
        batch_op.drop_column('session_epoch_at')
