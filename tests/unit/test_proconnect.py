"""ProConnect identities open the one active account with their verified email, never a new
one; only a recent sign-in opens a session. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from lib import auth, db, invitations, users
from lib.models import AuditEvent
from lib.schemas import UserIn

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CLIENT = "203.0.113.7"


def test_a_verified_email_opens_its_account_whatever_the_case(world):
    outcome = auth.provider_login(" Sponsor@Example.org", True, CLIENT, now=T0)
    assert outcome == auth.ProviderOutcome(login="sponsor", session_epoch=0)
    rows = invitations.overview(world.coach).set_index("login")
    assert rows.loc["sponsor", "last_login"] == T0  # counts as a connection


def test_an_unknown_or_deactivated_email_is_refused_and_no_account_is_created(world):
    with db.reading() as s:
        last_event = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    for email in ("personne@example.org", "inactive@example.org"):
        outcome = auth.provider_login(email, True, CLIENT, now=T0)
        assert outcome.login is None
        assert f"ProConnect vous a identifié·e comme {email}" in outcome.refusal
        assert "demandez à votre coach EIG" in outcome.refusal
    assert set(auth.credentials()["usernames"]) == {"admin", "coach", "eig", "eig2", "porteur", "sponsor",
                                                    "beta.eig", "gamma.eig", "outsider"}
    with db.reading() as s:
        refused = s.scalars(select(AuditEvent.action).where(AuditEvent.id > last_event)).all()
    assert refused == ["login_proconnect_refused"] * 2


def test_an_unverified_or_missing_email_is_refused(world):
    for email, verified in (("sponsor@example.org", False), ("sponsor@example.org", None), (None, True)):
        outcome = auth.provider_login(email, verified, CLIENT, now=T0)
        assert outcome.login is None and "n'a pas confirmé" in outcome.refusal


def test_two_active_accounts_with_one_email_open_neither(world):
    users.update_user(world.admin, world.eig2.id, UserIn(login="eig2", display_name="Hugo EIG",
                                                         email="EIG@example.org"), active=True, expected_version=1)
    outcome = auth.provider_login("eig@example.org", True, CLIENT, now=T0)
    assert outcome.login is None and "Plusieurs comptes actifs" in outcome.refusal


def test_only_a_recent_sign_in_opens_a_session(world):
    issued = T0.timestamp()
    assert auth.fresh_sign_in(issued, now=T0 + dt.timedelta(minutes=4))
    assert not auth.fresh_sign_in(issued, now=T0 + auth.PROVIDER_FRESHNESS + dt.timedelta(seconds=1))
    assert not auth.fresh_sign_in(issued, now=T0 - dt.timedelta(minutes=5))  # from the future
    assert not auth.fresh_sign_in(None, now=T0)
