"""Login glue: bcrypt hashes in the User table, streamlit-authenticator for the form
and the re-authentication cookie, and the one seam that resolves the current user.

The seam (`current_actor`) reads `st.session_state["username"]` once the
authenticator has set `authentication_status`; session state lives on the server, so a
browser cannot set it, while page tests (AppTest) can, to run as a given user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from functools import cache, lru_cache

import bcrypt
import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from streamlit import config as streamlit_config

from lib import addresses, db
from lib.audit import record
from lib.clock import now_utc
from lib.config import RATE_LIMIT_LABEL, ConfigurationError, derived_key, get_settings
from lib.errors import ServiceError
from lib.i18n import t
from lib.models import LoginThrottle, User
from lib.permissions import Actor

COOKIE_NAME = "suivi_eig_auth"
COOKIE_EXPIRY_DAYS = 7
# The login cookie is HttpOnly: no script reads it. This route (routes/session.py) sets it, for
# a one-time code the page's script hands over (lib.handoff, under COOKIE_NAME), and deletes it;
# it answers only requests carrying SESSION_HEADER, which a page of another site cannot send
# without asking first (CORS), and the app never allows that.
SESSION_ROUTE = "/auth/session"
SESSION_HEADER = "X-Suivi-Session"
# Demo accounts all share this password; production refuses to start while one of
# them is still active with it.
DEMO_PASSWORD = "demo-eig-2026"
# The hash of an account created without a password (roster import, or an account awaiting its
# invitation): the database's bcrypt
# check accepts it, bcrypt refuses it as a hash, and check_login refuses such an account
# before comparing anything, until an invitation or a reset gives it a real password.
NO_PASSWORD = "$2-no-password"
# Audit actions of a successful login: by password, through ProConnect, by a reminder's link.
LOGIN_ACTIONS = ("login", "login_proconnect", "login_bulletin_link")
# How a session was opened, when not by the password form: the login cookie carries it, so
# that logging out also ends the provider's session (routes/proconnect.py).
PROCONNECT = "proconnect"


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


class CookieRefused(ServiceError):
    """The login cookie opens no session; the message says why, in French."""


class LoginCookie(BaseModel):
    """What a login cookie carries, as `login_token` signs it: the account's login (printable ASCII, as
    logins are), until when (Unix seconds), the session epoch it was issued under, and how the
    session was opened (None: the password form)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    username: str = Field(pattern=r"^[!-~]{1,64}$")
    exp_date: float = Field(allow_inf_nan=False)
    epoch: int | None = None
    via: str | None = Field(default=None, max_length=32)


def read_login_cookie(token: str | None, key: str, now: float | None = None) -> LoginCookie:
    """The login cookie's claims, signed with `key` in HS256 and unexpired at `now` (Unix seconds;
    default the real clock, which dated it); CookieRefused otherwise. Whatever the browser sends:
    a token signed with `alg: none` or another algorithm, garbage, a payload of another shape."""
    now = time.time() if now is None else now
    try:
        claims = jwt.decode(token or "", key, algorithms=["HS256"])
        cookie = LoginCookie.model_validate(claims)
    except (jwt.PyJWTError, ValidationError):
        raise CookieRefused(t("login.cookie.refused")) from None
    if cookie.exp_date <= now:
        raise CookieRefused(t("login.cookie.refused"))
    return cookie


def login_token(login: str, epoch: int, via: str | None, expires: float | None = None) -> str:
    """The login cookie's value, from the password form (lib/ui/login.py) or a provider's
    sign-in (routes/proconnect.py) alike: a LoginCookie signed with the cookie key in HS256,
    until `expires` (Unix seconds; by default COOKIE_EXPIRY_DAYS on the real clock, which
    read_login_cookie checks it against)."""
    expires = expires or time.time() + COOKIE_EXPIRY_DAYS * 86_400
    cookie = LoginCookie(username=login, exp_date=float(expires), epoch=epoch, via=via)
    return jwt.encode(cookie.model_dump(), get_settings().cookie_key, algorithm="HS256")


# Password guessing: after MAX_FAILURES in a row for one login from one client, that client
# may not try that login for a while; only ACCOUNT_MAX_FAILURES in a row from any clients lock
# the login for everyone, so a stranger cannot lock a named person out with a few requests.
# While locked, the password is not even checked.
MAX_FAILURES = 5
ACCOUNT_MAX_FAILURES = 50
LOCK_DURATION = dt.timedelta(minutes=15)
ALL_CLIENTS = "*"


class LoginOutcome(BaseModel):
    ok: bool
    locked_until: dt.datetime | None = None
    session_epoch: int | None = None  # the account's session epoch, on success


@cache
def _unknown_login_hash() -> str:
    """A hash of a random password, checked for unknown logins so that they cost one bcrypt
    check like a real account's (same answer, comparable time: no account enumeration)."""
    return hash_password(secrets.token_urlsafe(16))


def rate_limit_key(value: str) -> str:
    """What a rate limit counts by (a login as typed, an address asking for a reset): its HMAC
    under a key derived from the cookie key, so the counters hold neither the value nor a hash
    anyone could recompute from a guessed address."""
    key = derived_key(get_settings().cookie_key, RATE_LIMIT_LABEL)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _throttle_rows(s: Session, key: str, clients: list[str]) -> None:
    """Create the counters of (login key, client) pairs unless they exist; two processes may race."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(LoginThrottle).values([{"login": key, "client": c, "failures": 0} for c in clients])
              .on_conflict_do_nothing())


def check_login(login: str, password: str, client: str | None, now: dt.datetime | None = None) -> LoginOutcome:
    """Check a login form's password against the database, server-side. An unknown login and
    an account are answered alike: same outcomes, same audit shape, one bcrypt check each.
    Failures are counted per (login, client) and per login; a locked pair is refused unchecked."""
    now = now or now_utc()
    login, client = login[:64], (client or "-")[:64]
    clients = [client, ALL_CLIENTS]
    throttled = rate_limit_key(login)
    same_login = LoginThrottle.login == throttled
    with db.transaction(bump=False) as s:
        user = s.scalar(select(User).where(User.login == login, User.active.is_(True)))
        user_id = user.id if user else None
        trail = {"login": login, "client": client}
        _throttle_rows(s, throttled, clients)
        locks = s.scalars(select(LoginThrottle.locked_until).where(same_login, LoginThrottle.client.in_(clients),
                                                                   LoginThrottle.locked_until > now)).all()
        if locks:
            record(s, None, "login_refused_locked", "user", user_id,
                   after={**trail, "locked_until": max(locks).isoformat()}, at=now)
            return LoginOutcome(ok=False, locked_until=max(locks))
        usable = user is not None and user.password_hash != NO_PASSWORD
        if check_password(password, user.password_hash if usable else _unknown_login_hash()) and usable:
            s.execute(update(LoginThrottle).where(same_login, LoginThrottle.client.in_(clients))
                      .values(failures=0, locked_until=None))
            record(s, Actor.of(user), "login", "user", user.id, after=trail, at=now)
            return LoginOutcome(ok=True, session_epoch=user.session_epoch)
        # Counted in SQL, so simultaneous guesses cannot share one count.
        counts = dict(s.execute(update(LoginThrottle).where(same_login, LoginThrottle.client.in_(clients))
                                .values(failures=LoginThrottle.failures + 1)
                                .returning(LoginThrottle.client, LoginThrottle.failures)).all())
        tripped = [c for c, limit in ((client, MAX_FAILURES), (ALL_CLIENTS, ACCOUNT_MAX_FAILURES))
                   if counts[c] >= limit]
        trail["failures"] = counts[client]
        if not tripped:
            record(s, None, "login_failed", "user", user_id, after=trail, at=now)
            return LoginOutcome(ok=False)
        locked_until = now + LOCK_DURATION
        s.execute(update(LoginThrottle).where(same_login, LoginThrottle.client.in_(tripped))
                  .values(failures=0, locked_until=locked_until))
        record(s, None, "login_locked", "user", user_id,
               after={**trail, "locked_until": locked_until.isoformat(), "account_wide": ALL_CLIENTS in tripped},
               at=now)
        return LoginOutcome(ok=False, locked_until=locked_until)


def _issued_at(value: object) -> dt.datetime | None:
    """An ID token's `iat` (seconds since the epoch) as a UTC datetime; None when it is not one."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


class ProviderOutcome(BaseModel):
    """An identity provider's sign-in mapped to an account: its login and session epoch, or a
    French refusal."""

    login: str | None = None
    session_epoch: int | None = None
    refusal: str | None = None


def provider_login(claims: Mapping[str, object], client: str | None,
                   now: dt.datetime | None = None) -> ProviderOutcome:
    """Map an identity the provider vouches for (`sub` and `iat` from its ID token, `email` and
    `email_verified` as it vouches for them: lib/proconnect.py) to one active account, never a
    new one. The account bound to the subject opens, whatever address the provider gives now;
    else the one active account with the verified address (lib.addresses), which is then bound
    to the subject. Refused, with a French message and an audit event: no subject, an unverified
    address, no or several accounts, an account bound to another subject, a subject bound to an
    inactive account, a sign-in issued before the account's sessions were last ended (models.ACCESS_STATE)."""
    now = now or now_utc()
    client = (client or "-")[:64]
    subject, issued = claims.get("sub"), _issued_at(claims.get("iat"))
    address = addresses.matchable(claims.get("email"))
    shown = address or str(claims.get("email") or "?")[:254]
    with db.transaction(bump=False) as s:

        def refuse(reason: str, key: str, user: User | None = None) -> ProviderOutcome:
            record(s, None, "login_proconnect_refused", "user", user.id if user else None,
                   after={"email": shown, "client": client, "reason": reason}, at=now)
            return ProviderOutcome(refusal=t(key, email=shown))

        if not isinstance(subject, str) or not subject or issued is None:
            return refuse("no_subject", "login.proconnect.unverified")
        user = s.scalar(select(User).where(User.provider_subject == subject))
        if user is not None and not user.active:
            return refuse("bound_inactive", "login.proconnect.unknown", user)
        if user is None:
            if claims.get("email_verified") is not True or not claims.get("email"):
                return refuse("unverified", "login.proconnect.unverified")
            accounts = s.scalars(select(User).where(User.email == address, User.active.is_(True))).all() \
                if address else []
            if len(accounts) != 1:
                return refuse("ambiguous" if accounts else "unknown",
                              "login.proconnect.ambiguous" if accounts else "login.proconnect.unknown")
            [user] = accounts
            if user.provider_subject is not None:
                return refuse("bound_elsewhere", "login.proconnect.bound_elsewhere", user)
        if user.session_epoch_at is not None and issued < user.session_epoch_at:
            return refuse("sessions_ended", "login.proconnect.sessions_ended", user)
        bound = user.provider_subject is None
        user.provider_subject = subject
        record(s, Actor.of(user), "login_proconnect", "user", user.id,
               after={"login": user.login, "client": client, "bound": bound}, at=now)
        return ProviderOutcome(login=user.login, session_epoch=user.session_epoch)


def provider_refused(reason: str, client: str | None, now: dt.datetime | None = None,
                     **values: object) -> ProviderOutcome:
    """Refuse a provider's sign-in that never got as far as an identity (lib/proconnect.py: a
    spent state or code, a token or userinfo that fails its checks, too weak an eIDAS level):
    audited like provider_login's refusals, with the French message `login.proconnect.refused.<reason>`."""
    with db.transaction(bump=False) as s:
        record(s, None, "login_proconnect_refused", "user", None,
               after={"client": (client or "-")[:64], "reason": reason, **values}, at=now or now_utc())
    return ProviderOutcome(refusal=t(f"login.proconnect.refused.{reason}", **values))


class ActiveAccounts(dict):
    """Active accounts in the shape streamlit-authenticator looks them up (login -> name, email,
    password hash, roles), each read when first asked for: the library looks up one login, the
    form's or the cookie's, and reading 10,000 accounts whole cost a quarter of a second on
    every run of the login page. Deactivated accounts are absent, so they can neither log in
    nor come back through an old cookie; with `only`, so is every account but that one (once
    logged in, only this one acts)."""

    def __init__(self, only: str | None = None) -> None:
        super().__init__()
        self.only = only

    def __missing__(self, login: str) -> dict:
        if self.only is not None and login != self.only:
            raise KeyError(login)
        with db.reading() as s:
            user = s.scalar(select(User).where(User.login == login, User.active.is_(True)))
        if user is None:
            raise KeyError(login)
        self[login] = {"name": user.display_name, "email": user.email, "password": user.password_hash,
                       "roles": [user.role.value]}
        return self[login]

    def __contains__(self, login: object) -> bool:
        try:
            self[login]
        except KeyError:
            return False
        return True

    def get(self, login: str, default: object = None) -> object:
        try:
            return self[login]
        except KeyError:
            return default


def session_epoch(login: str | None) -> int | None:
    """The session epoch of the active user behind a login (None: no such active user)."""
    if not login:
        return None
    with db.reading() as s:
        return s.scalar(select(User.session_epoch).where(User.login == login, User.active.is_(True)))


def actor_for_login(login: str | None, epoch: int | None) -> Actor | None:
    """The active user behind a login, re-read from the database on every run; None when the
    session was opened under another epoch (ended by a reset, a role change, a logout everywhere)."""
    if not login or epoch is None:
        return None
    with db.reading() as s:
        user = s.scalar(select(User).where(User.login == login, User.active.is_(True)))
        return Actor.of(user) if user is not None and user.session_epoch == epoch else None


def end_sessions(actor: Actor) -> None:
    """Log the actor out everywhere: every cookie and live session of the account is refused."""
    with db.transaction(bump=False) as s:
        db.load(s, User, actor.id).session_epoch += 1
        record(s, actor, "logout_everywhere", "user", actor.id)


@lru_cache(maxsize=256)
def _password_opens(password: str, password_hash: str) -> bool:
    """check_password, remembered per process, for the production check that every page run
    makes: a bcrypt check costs a quarter of a second, and a new password is a new (salted)
    hash, so an account is checked again exactly when its password changes."""
    return check_password(password, password_hash)


def check_production_safety(demo_logins: list[str]) -> None:
    """In production, refuse Streamlit's error details (tracebacks with server paths) and
    still-usable demo accounts; the settings themselves are checked by lib.config. Runs on
    every page run (ui.boot) for the cost of one indexed read: each hash is bcrypt-checked once."""
    settings = get_settings()
    if not settings.is_production:
        return
    if streamlit_config.get_option("client.showErrorDetails") not in ("none", False, "false", "False"):
        raise ConfigurationError(t("config.error_details"))
    with db.reading() as s:
        accounts = s.execute(select(User.login, User.password_hash)
                             .where(User.login.in_(demo_logins), User.active.is_(True))).all()
    usable = [login for login, password_hash in accounts if _password_opens(DEMO_PASSWORD, password_hash)]
    if usable:
        raise ConfigurationError(t("error.production_demo_accounts", logins=", ".join(usable)))
