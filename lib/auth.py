"""Login glue: bcrypt hashes in the User table, streamlit-authenticator for the form
and the re-authentication cookie, and the one seam that resolves the current user.

The seam (`current_actor`) reads `st.session_state["username"]` once the
authenticator has set `authentication_status`; session state lives on the server, so a
browser cannot set it, while page tests (AppTest) can, to run as a given user.
"""

from __future__ import annotations

import datetime as dt

import bcrypt
from pydantic import BaseModel
from sqlalchemy import select, update

from lib import db
from lib.audit import record
from lib.clock import now_utc
from lib.config import DEMO_COOKIE_KEY, ConfigurationError, get_settings
from lib.i18n import t
from lib.models import LoginThrottle, User
from lib.permissions import Actor

COOKIE_NAME = "suivi_eig_auth"
COOKIE_EXPIRY_DAYS = 7
# Demo accounts all share this password; production refuses to start while one of
# them is still active with it.
DEMO_PASSWORD = "demo-eig-2026"


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


# Password guessing: after this many failures in a row an account is locked for a while;
# while locked, its password is not even checked.
MAX_FAILURES = 5
LOCK_DURATION = dt.timedelta(minutes=15)


class LoginOutcome(BaseModel):
    ok: bool
    locked_until: dt.datetime | None = None


def check_login(login: str, password: str, now: dt.datetime | None = None) -> LoginOutcome:
    """Check a login form's password against the database, server-side: refused without
    checking while the account is locked, failures counted, every attempt audited."""
    now = now or now_utc()
    with db.transaction(bump=False) as s:
        user = s.scalar(select(User).where(User.login == login, User.active.is_(True)))
        if user is None:
            record(s, None, "login_failed", "user", None, after={"login": login[:64]}, at=now)
            return LoginOutcome(ok=False)
        throttle = s.get(LoginThrottle, user.id)
        if throttle is None:
            throttle = LoginThrottle(user_id=user.id, failures=0)
            s.add(throttle)
            s.flush()
        if throttle.locked_until is not None and now < throttle.locked_until:
            record(s, None, "login_refused_locked", "user", user.id,
                   after={"locked_until": throttle.locked_until.isoformat()}, at=now)
            return LoginOutcome(ok=False, locked_until=throttle.locked_until)
        if check_password(password, user.password_hash):
            throttle.failures, throttle.locked_until = 0, None
            record(s, Actor.of(user), "login", "user", user.id, at=now)
            return LoginOutcome(ok=True)
        # Counted in SQL, so simultaneous guesses cannot share one count.
        failures = s.scalar(update(LoginThrottle).where(LoginThrottle.user_id == user.id)
                            .values(failures=LoginThrottle.failures + 1).returning(LoginThrottle.failures))
        if failures < MAX_FAILURES:
            record(s, None, "login_failed", "user", user.id, after={"failures": failures}, at=now)
            return LoginOutcome(ok=False)
        locked_until = now + LOCK_DURATION
        s.execute(update(LoginThrottle).where(LoginThrottle.user_id == user.id)
                  .values(failures=0, locked_until=locked_until))
        record(s, None, "login_locked", "user", user.id,
               after={"failures": failures, "locked_until": locked_until.isoformat()}, at=now)
        return LoginOutcome(ok=False, locked_until=locked_until)


def credentials(login: str | None = None) -> dict:
    """Active users in the shape streamlit-authenticator expects; deactivated users are
    absent, so they can neither log in nor come back through an old cookie. With `login`,
    that user only: once logged in, a page run must not read every account (10,000 users
    cost a quarter of a second on each run, `make bench` showed)."""
    with db.reading() as s:
        query = select(User).where(User.active.is_(True))
        users = s.scalars(query.where(User.login == login) if login else query)
        return {"usernames": {u.login: {"name": u.display_name, "email": u.email,
                                        "password": u.password_hash, "roles": [u.role.value]}
                              for u in users}}


def actor_for_login(login: str | None) -> Actor | None:
    """The active user behind a login, re-read from the database on every run."""
    if not login:
        return None
    with db.reading() as s:
        user = s.scalar(select(User).where(User.login == login, User.active.is_(True)))
        return Actor.of(user) if user else None


def check_production_safety(demo_logins: list[str]) -> None:
    """In production, refuse the demo cookie key and still-usable demo accounts."""
    settings = get_settings()
    if not settings.is_production:
        return
    if settings.cookie_key == DEMO_COOKIE_KEY:
        raise ConfigurationError(t("error.production_demo_key"))
    with db.reading() as s:
        users = s.scalars(select(User).where(User.login.in_(demo_logins), User.active.is_(True)))
        usable = [u.login for u in users if check_password(DEMO_PASSWORD, u.password_hash)]
    if usable:
        raise ConfigurationError(t("error.production_demo_accounts", logins=", ".join(usable)))
