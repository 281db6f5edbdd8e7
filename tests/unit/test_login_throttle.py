"""Login throttling: failures in a row lock a login for one client for a while (for every
client only after many more), in the database, with every attempt in the audit trail; an
unknown login is answered exactly like an account. The clock is injected, nothing sleeps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, select

from lib import auth, db, users
from lib.models import AuditEvent, LoginThrottle
from lib.schemas import PasswordIn
from tests.fixtures import PASSWORD

T0 = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
CLIENT = "203.0.113.7"


def attempts(login: str, password: str, n: int, at: dt.datetime = T0,
             client: str = CLIENT) -> list[auth.LoginOutcome]:
    return [auth.check_login(login, password, client, now=at + dt.timedelta(seconds=i)) for i in range(n)]


def audit(user_id: int | None) -> list[tuple[str, dict | None]]:
    """The login events of one account (None: of unknown logins), oldest first."""
    which = AuditEvent.entity_id.is_(None) if user_id is None else AuditEvent.entity_id == user_id
    with db.reading() as s:
        return [(a, after) for a, after in s.execute(select(AuditEvent.action, AuditEvent.after)
                                                     .where(AuditEvent.entity == "user", which)
                                                     .order_by(AuditEvent.id))]


def test_the_right_password_logs_in(world):
    assert auth.check_login("eig", PASSWORD, CLIENT, now=T0) == auth.LoginOutcome(ok=True, session_epoch=0)
    assert audit(world.eig.id) == [("login", {"login": "eig", "client": CLIENT})]


def test_five_failures_in_a_row_lock_the_login_for_that_client_even_with_the_right_password(world):
    outcomes = attempts("eig", "devine", auth.MAX_FAILURES)
    assert [o.ok for o in outcomes] == [False] * auth.MAX_FAILURES
    assert [o.locked_until for o in outcomes[:-1]] == [None] * (auth.MAX_FAILURES - 1)
    locked_until = outcomes[-1].locked_until
    assert locked_until == T0 + dt.timedelta(seconds=auth.MAX_FAILURES - 1) + auth.LOCK_DURATION
    refused = auth.check_login("eig", PASSWORD, CLIENT, now=locked_until - dt.timedelta(seconds=1))
    assert refused == auth.LoginOutcome(ok=False, locked_until=locked_until)
    # The other accounts are not concerned.
    assert auth.check_login("eig2", PASSWORD, CLIENT, now=T0).ok


def test_the_lock_expires_and_a_success_starts_the_count_again(world):
    locked_until = attempts("eig", "devine", auth.MAX_FAILURES)[-1].locked_until
    assert auth.check_login("eig", PASSWORD, CLIENT, now=locked_until).ok
    # A fresh count: four more failures do not lock.
    assert not any(o.locked_until for o in attempts("eig", "devine", auth.MAX_FAILURES - 1, at=locked_until))
    assert auth.check_login("eig", PASSWORD, CLIENT, now=locked_until + dt.timedelta(minutes=1)).ok


def test_every_attempt_is_audited(world):
    attempts("eig", "devine", auth.MAX_FAILURES)
    auth.check_login("eig", PASSWORD, CLIENT, now=T0 + dt.timedelta(minutes=1))
    auth.check_login("personne", "devine", CLIENT, now=T0)
    events = audit(world.eig.id)
    assert [a for a, _ in events] == ["login_failed"] * (auth.MAX_FAILURES - 1) + ["login_locked",
                                                                                 "login_refused_locked"]
    assert [after["failures"] for _, after in events[:auth.MAX_FAILURES]] == list(range(1, auth.MAX_FAILURES + 1))
    assert audit(None)[-1] == ("login_failed", {"login": "personne", "client": CLIENT, "failures": 1})


def test_the_lock_is_stored_in_the_database_for_every_app_process(world, db_url):
    attempts("eig", "devine", auth.MAX_FAILURES)
    other_process = create_engine(db_url)  # a second replica reads the same row
    try:
        with db.reading(other_process) as s:
            row = s.get(LoginThrottle, (auth.rate_limit_key("eig"), CLIENT))
            assert row.locked_until == T0 + dt.timedelta(seconds=auth.MAX_FAILURES - 1) + auth.LOCK_DURATION
    finally:
        other_process.dispose()


def test_failed_logins_do_not_invalidate_cached_pages(world):
    version = db.scope_versions()
    attempts("eig", "devine", 2)
    assert db.scope_versions() == version


def test_a_coach_resetting_the_password_lifts_the_lock(world):
    attempts("eig", "devine", auth.MAX_FAILURES)
    users.reset_password(world.coach, world.eig.id, PasswordIn(password="nouveau-mot-de-passe"))
    assert auth.check_login("eig", "nouveau-mot-de-passe", CLIENT, now=T0 + dt.timedelta(minutes=1)).ok


def test_a_stranger_cannot_lock_a_named_person_out(world):
    """Five failures from one client lock that client only: the person, elsewhere, logs in."""
    assert attempts("eig", "devine", auth.MAX_FAILURES + 3, client="198.51.100.66")[-1].locked_until
    assert auth.check_login("eig", PASSWORD, CLIENT, now=T0 + dt.timedelta(minutes=1)).ok
    assert auth.check_login("eig", PASSWORD, None, now=T0 + dt.timedelta(minutes=1)).ok  # localhost


def test_many_clients_guessing_one_login_lock_it_for_everyone(world):
    per_client = auth.MAX_FAILURES - 1  # each stays under its own limit
    rounds = auth.ACCOUNT_MAX_FAILURES // per_client + 1
    for n in range(rounds):
        attempts("eig", "devine", per_client, at=T0 + dt.timedelta(seconds=10 * n), client=f"198.51.100.{n}")
    refused = auth.check_login("eig", PASSWORD, CLIENT, now=T0 + dt.timedelta(minutes=5))
    assert not refused.ok and refused.locked_until


def test_an_unknown_login_is_answered_like_an_account(world, monkeypatch):
    """Same outcomes and audit shape, and one bcrypt check per attempt for both, so neither
    the answer nor its time tells whether an account exists."""
    checks = []
    real_check = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda p, h: checks.append(h) or real_check(p, h))
    known = attempts("eig", "devine", auth.MAX_FAILURES + 1)
    known_checks, checks[:] = len(checks), []
    unknown = attempts("personne", "devine", auth.MAX_FAILURES + 1)
    assert unknown == known
    assert len(checks) == known_checks == auth.MAX_FAILURES
    assert all(h.startswith("$2b$12$") for h in checks)  # the cost of a real account's hash
    shape = [(action, sorted(after)) for action, after in audit(world.eig.id)]
    assert [(action, sorted(after)) for action, after in audit(None)] == shape
