"""Login glue: bcrypt hashes in the User table, streamlit-authenticator for the form
and the re-authentication cookie, and the one seam that resolves the current user.

The seam (`current_actor`) reads `st.session_state["username"]` once the
authenticator has set `authentication_status`; session state lives on the server, so a
browser cannot set it, while page tests (AppTest) can, to run as a given user.
"""

from __future__ import annotations

import bcrypt
from sqlalchemy import select

from lib import db
from lib.config import DEMO_COOKIE_KEY, ConfigurationError, get_settings
from lib.i18n import t
from lib.models import User
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


def credentials() -> dict:
    """Active users in the shape streamlit-authenticator expects; deactivated users are
    absent, so they can neither log in nor come back through an old cookie."""
    with db.reading() as s:
        users = s.scalars(select(User).where(User.active.is_(True)))
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
