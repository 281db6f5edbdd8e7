"""Invitations and password resets by email: a single-use, expiring link to choose a password.

The link is `SUIVI_APP_URL/?jeton=<token>`; only the token's SHA-256 is stored. Using it, a
newer link for the same account, or its expiry makes it refuse, in French. Reset requests
("Mot de passe oublié ?") are answered alike whether the address has an account or not, and
are rate-limited per address and per client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lib import db, formats
from lib.audit import record
from lib.auth import LOGIN_ACTIONS, hash_password, rate_limit_key
from lib.clock import now_utc
from lib.config import get_settings
from lib.errors import Conflict, ServiceError
from lib.i18n import t
from lib.mail import Email, compose, send, send_later
from lib.models import AuditEvent, LoginThrottle, PasswordToken, ResetRequest, User
from lib.permissions import Actor, require_account_manager, require_staff
from lib.schemas import ChosenPasswordIn

QUERY_PARAM = "jeton"
VALIDITY = {"invitation": dt.timedelta(days=7), "reset": dt.timedelta(hours=1)}
# Within an hour: a few requests per address (each one mails its owner), more per client
# (a shared office connection), then requests are dropped silently.
RESET_WINDOW = dt.timedelta(hours=1)
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 10


class TokenRefused(ServiceError):
    """The link cannot set a password; the message says why."""


class PasswordLink(BaseModel):
    """Whose password a valid link sets, and until when it works."""

    login: str
    display_name: str
    expires_at: dt.datetime


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def url_for(token: str) -> str:
    return f"{get_settings().app_url.rstrip('/')}/?{QUERY_PARAM}={token}"


def _issue(s: Session, user: User, purpose: str, now: dt.datetime, actor: Actor | None) -> tuple[str, dt.datetime]:
    """A new link for `user`, voiding the ones still pending; returns the token and its expiry."""
    s.execute(update(PasswordToken)
              .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None),
                     PasswordToken.voided_at.is_(None))
              .values(voided_at=now))
    token = secrets.token_urlsafe(32)
    expires_at = now + VALIDITY[purpose]
    s.add(PasswordToken(user_id=user.id, purpose=purpose, token_hash=_digest(token), created_at=now,
                        created_by_id=actor.id if actor else None, expires_at=expires_at))
    return token, expires_at


class _Link(BaseModel):
    """A link issued to an account, with what its message needs, so that it can be mailed after
    the transaction (and from the mail thread)."""

    purpose: str
    email: str
    display_name: str
    login: str
    token: str
    expires_at: dt.datetime


def _link(user: User, purpose: str, token: str, expires_at: dt.datetime) -> _Link:
    return _Link(purpose=purpose, email=user.email, display_name=user.display_name, login=user.login, token=token,
                 expires_at=expires_at)


def _email(link: _Link) -> Email:
    """The French message carrying the link, as plain text and HTML."""
    purpose, token, expires_at = link.purpose, link.token, link.expires_at
    return compose("password_link", t(f"mail.{purpose}.subject"), [link.email], to=link.email,
                   intro=t(f"mail.{purpose}.intro", name=link.display_name, login=link.login),
                   action=t(f"mail.{purpose}.action"), link=url_for(token),
                   validity=t("mail.link_validity", date=formats.moment(expires_at)))


def invite(actor: Actor, user_id: int, now: dt.datetime | None = None) -> str:
    """Email the account a link to choose its password (valid 7 days), voiding earlier links;
    returns the address. The invitation is recorded only if the mail left."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        user = db.load(s, User, user_id)
        require_account_manager(actor, user.role)
        if not user.active:
            raise Conflict(t("admin.invitations.inactive"))
        token, expires_at = _issue(s, user, "invitation", now, actor)
        record(s, actor, "invite", "user", user.id, after={"email": user.email, "expires_at": expires_at.isoformat()},
               at=now)
        try:
            send([_email(_link(user, "invitation", token, expires_at))])
        except (smtplib.SMTPException, OSError) as exc:
            raise ServiceError(t("admin.invitations.send_failed", reason=type(exc).__name__)) from exc
        return user.email


def request_reset(address: str, client: str | None, now: dt.datetime | None = None) -> None:
    """"Mot de passe oublié ?": mail a 1-hour link to each active account with this address.
    Nothing tells the caller whether one exists, not even the time taken: the mail leaves from
    the mail thread after the answer. Over the limits the request is dropped."""
    now = now or now_utc()
    address, client = address.strip().lower()[:254], (client or "-")[:64]
    since = now - RESET_WINDOW
    with db.transaction(bump=False) as s:
        s.execute(delete(ResetRequest).where(ResetRequest.requested_at < since))
        earlier = select(func.count()).select_from(ResetRequest).where(ResetRequest.requested_at >= since)
        by_address = s.scalar(earlier.where(ResetRequest.address_hash == rate_limit_key(address)))
        by_client = s.scalar(earlier.where(ResetRequest.client == client))
        s.add(ResetRequest(address_hash=rate_limit_key(address), client=client, requested_at=now))
        if by_address >= RESETS_PER_ADDRESS or by_client >= RESETS_PER_CLIENT:
            record(s, None, "password_reset_throttled", "user", None, after={"client": client}, at=now)
            return
        accounts = s.scalars(select(User).where(func.lower(User.email) == address, User.active.is_(True))).all()
        links = []
        for user in accounts:
            token, expires_at = _issue(s, user, "reset", now, None)
            record(s, None, "password_reset_requested", "user", user.id, after={"client": client}, at=now)
            links.append(_link(user, "reset", token, expires_at))
    # Handed over for every address, known or not: the same work here, the mail built and sent
    # after the answer. The links are committed already, whatever becomes of the mail.
    send_later("password reset", lambda: [_email(link) for link in links])


def _check(s: Session, token: str, now: dt.datetime, lock: bool = False) -> tuple[PasswordToken, User]:
    query = select(PasswordToken).where(PasswordToken.token_hash == _digest(token or ""))
    row = s.scalar(query.with_for_update() if lock else query) if token else None
    user = s.get(User, row.user_id) if row else None
    if row is None or user is None or not user.active:
        raise TokenRefused(t("password.refused.invalid"))
    if row.used_at is not None:
        raise TokenRefused(t("password.refused.used"))
    if row.voided_at is not None:
        raise TokenRefused(t("password.refused.voided"))
    if now >= row.expires_at:
        raise TokenRefused(t("password.refused.expired", date=formats.moment(row.expires_at)))
    return row, user


def open_link(token: str, now: dt.datetime | None = None) -> PasswordLink:
    """The account a link sets the password of; TokenRefused (used, replaced, expired, unknown)."""
    with db.reading() as s:
        row, user = _check(s, token, now or now_utc())
        return PasswordLink(login=user.login, display_name=user.display_name, expires_at=row.expires_at)


def choose_password(token: str, data: ChosenPasswordIn, now: dt.datetime | None = None) -> str:
    """Set the password through a link, once: the link is spent, the account's other sessions
    end and its failed-login locks are lifted. Returns the login."""
    now = now or now_utc()
    with db.transaction() as s:
        row, user = _check(s, token, now, lock=True)
        if data.login != user.login:
            raise TokenRefused(t("password.refused.invalid"))
        user.password_hash = hash_password(data.password)
        user.session_epoch += 1
        row.used_at = now
        s.execute(delete(LoginThrottle).where(LoginThrottle.login == rate_limit_key(user.login)))
        record(s, Actor.of(user), "choose_password", "user", user.id, after={"purpose": row.purpose}, at=now)
        return user.login


def overview(actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every account with its latest invitation (when, in what state) and its last login."""
    require_staff(actor)
    now = now or now_utc()
    with db.reading() as s:
        latest = (select(func.max(PasswordToken.id)).where(PasswordToken.purpose == "invitation")
                  .group_by(PasswordToken.user_id))
        invitations = {row.user_id: row for row in s.scalars(select(PasswordToken)
                                                             .where(PasswordToken.id.in_(latest)))}
        last_logins = dict(s.execute(select(AuditEvent.entity_id, func.max(AuditEvent.at))
                                     .where(AuditEvent.entity == "user", AuditEvent.action.in_(LOGIN_ACTIONS))
                                     .group_by(AuditEvent.entity_id)).all())
        people = s.execute(select(User.id, User.login, User.display_name, User.email, User.active)
                           .order_by(User.display_name)).all()
    out = []
    for p in people:
        invitation = invitations.get(p.id)
        state = _state(invitation, now)
        out.append({"id": p.id, "login": p.login, "display_name": p.display_name, "email": p.email,
                    "active": p.active, "invited_at": invitation.created_at if invitation else None, "state": state,
                    "state_label": t(f"token_state.{state}",
                                     date=formats.moment(invitation.expires_at) if invitation else ""),
                    "last_login": last_logins.get(p.id)})
    return pd.DataFrame(out, columns=["id", "login", "display_name", "email", "active", "invited_at", "state",
                                      "state_label", "last_login"])


def _state(token: PasswordToken | None, now: dt.datetime) -> str:
    if token is None:
        return "none"
    if token.used_at is not None:
        return "used"
    if token.voided_at is not None:
        return "voided"
    return "expired" if now >= token.expires_at else "pending"
