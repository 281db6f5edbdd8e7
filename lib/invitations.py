"""Links by email, single-use and expiring: invitations and password resets, to choose a
password; and the reminder's personal link, which signs its EIG in on the week's bulletin.

A password link is `SUIVI_APP_URL/?jeton=<token>`, a bulletin link `SUIVI_APP_URL/?bulletin=<token>`;
only the token's SHA-256 is stored. Using it, a newer link of its kind for the same account, a
change of the account's access state (its email, role, password or activity, or "log out
everywhere": the session epoch moved) or its expiry makes it refuse, in French; every refusal
is audited. Reset requests ("Mot de passe oublié ?") are answered alike whether the address has
an account or not, and are rate-limited per address and per client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from lib import addresses, db, formats
from lib.audit import record
from lib.auth import LOGIN_ACTIONS, NO_PASSWORD, hash_password, rate_limit_key
from lib.clock import now_utc
from lib.config import get_settings
from lib.errors import Conflict, ServiceError
from lib.i18n import t
from lib.mail import Email, compose, send, send_later
from lib.models import (
    AuditEvent,
    Defi,
    GlobalRole,
    LoginThrottle,
    Membership,
    PasswordToken,
    Promotion,
    ResetRequest,
    User,
)
from lib.permissions import (
    Action,
    Actor,
    admin,
    allowed,
    capacity,
    require_account_manager,
    require_admin,
    require_staff,
)
from lib.schemas import ChosenPasswordIn

QUERY_PARAM = "jeton"
BULLETIN_PARAM = "bulletin"
PASSWORD_PURPOSES = ("invitation", "reset")
VALIDITY = {"invitation": dt.timedelta(days=7), "reset": dt.timedelta(hours=1)}
# Within an hour: a few requests per address (each one mails its owner), more per client
# (a shared office connection), then requests are dropped silently.
RESET_WINDOW = dt.timedelta(hours=1)
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 10


class TokenRefused(ServiceError):
    """The link cannot set a password; the message (`password.refused.<reason>`) says why."""

    def __init__(self, reason: str, user_id: int | None = None, **params: object) -> None:
        super().__init__(self.message(reason, **params))
        self.reason, self.user_id = reason, user_id

    @staticmethod
    def message(reason: str, **params: object) -> str:
        return t(f"password.refused.{reason}", **params)


class BulletinLinkRefused(TokenRefused):
    """The reminder's link opens nothing; the message (`bulletin_link.refused.<reason>`) says why."""

    @staticmethod
    def message(reason: str, **params: object) -> str:
        return t(f"bulletin_link.refused.{reason}", **params)


class PasswordLink(BaseModel):
    """Whose password a valid link sets, and until when it works."""

    login: str
    display_name: str
    expires_at: dt.datetime


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def url_for(token: str) -> str:
    return f"{get_settings().app_url.rstrip('/')}/?{QUERY_PARAM}={token}"


def _issue(s: Session, user: User, purpose: str, now: dt.datetime, actor: Actor | None,
           expires_at: dt.datetime | None = None, defi_id: int | None = None) -> tuple[str, dt.datetime]:
    """A new link for `user`, voiding its pending links of the same kind (a password link, or a
    bulletin link of the same défi); returns the token and its expiry."""
    s.execute(update(PasswordToken)
              .where(PasswordToken.user_id == user.id, PasswordToken.defi_id.is_not_distinct_from(defi_id),
                     PasswordToken.used_at.is_(None), PasswordToken.voided_at.is_(None))
              .values(voided_at=now))
    token = secrets.token_urlsafe(32)
    expires_at = expires_at or now + VALIDITY[purpose]
    s.add(PasswordToken(user_id=user.id, purpose=purpose, defi_id=defi_id, token_hash=_digest(token), created_at=now,
                        created_by_id=actor.id if actor else None, expires_at=expires_at,
                        session_epoch=user.session_epoch))
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
        try:
            addresses.normalise(user.email)
        except ValueError:
            raise Conflict(t("admin.invitations.bad_email", email=user.email)) from None
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
    typed, client = address.strip()[:254], (client or "-")[:64]
    address = addresses.matchable(typed)
    counted = rate_limit_key(address or typed)
    since = now - RESET_WINDOW
    with db.transaction(bump=False) as s:
        s.execute(delete(ResetRequest).where(ResetRequest.requested_at < since))
        earlier = select(func.count()).select_from(ResetRequest).where(ResetRequest.requested_at >= since)
        by_address = s.scalar(earlier.where(ResetRequest.address_hash == counted))
        by_client = s.scalar(earlier.where(ResetRequest.client == client))
        s.add(ResetRequest(address_hash=counted, client=client, requested_at=now))
        if by_address >= RESETS_PER_ADDRESS or by_client >= RESETS_PER_CLIENT:
            record(s, None, "password_reset_throttled", "user", None, after={"client": client}, at=now)
            return
        accounts = s.scalars(select(User).where(User.email == address, User.active.is_(True))).all() if address else []
        links = []
        for user in accounts:
            token, expires_at = _issue(s, user, "reset", now, None)
            record(s, None, "password_reset_requested", "user", user.id, after={"client": client}, at=now)
            links.append(_link(user, "reset", token, expires_at))
    # Handed over for every address, known or not: the same work here, the mail built and sent
    # after the answer. The links are committed already, whatever becomes of the mail.
    send_later("password reset", lambda: [_email(link) for link in links])


def _check(s: Session, token: str, now: dt.datetime, purposes: tuple[str, ...] = PASSWORD_PURPOSES,
           refused: type[TokenRefused] = TokenRefused, lock: bool = False) -> tuple[PasswordToken, User]:
    """The pending link behind `token`, if it is one of `purposes`, and its account; `refused` says
    why not. A link of another purpose is unknown here: a bulletin link sets no password."""
    query = select(PasswordToken).where(PasswordToken.token_hash == _digest(token or ""),
                                        PasswordToken.purpose.in_(purposes))
    row = s.scalar(query.with_for_update() if lock else query) if token else None
    user = s.get(User, row.user_id) if row else None
    if row is None or user is None or not user.active:
        raise refused("invalid", user.id if user else None)
    if row.used_at is not None:
        raise refused("used", user.id)
    if row.voided_at is not None:
        raise refused("voided", user.id)
    if row.session_epoch != user.session_epoch:
        raise refused("changed", user.id)
    if now >= row.expires_at:
        raise refused("expired", user.id, date=formats.moment(row.expires_at))
    return row, user


@contextmanager
def _refusals_recorded(now: dt.datetime) -> Iterator[None]:
    """Record a refused link in the audit trail, with the reason, as a refused login is, in a
    transaction of its own (the refused one writes nothing)."""
    try:
        yield
    except TokenRefused as refused:
        with db.transaction(bump=False) as s:
            record(s, None, "login_bulletin_link_refused" if isinstance(refused, BulletinLinkRefused)
                   else "password_link_refused", "user", refused.user_id, after={"reason": refused.reason}, at=now)
        raise


def open_link(token: str, now: dt.datetime | None = None) -> PasswordLink:
    """The account a link sets the password of; TokenRefused (used, replaced, account changed,
    expired, unknown)."""
    now = now or now_utc()
    with _refusals_recorded(now), db.reading() as s:
        row, user = _check(s, token, now)
        return PasswordLink(login=user.login, display_name=user.display_name, expires_at=row.expires_at)


def choose_password(token: str, data: ChosenPasswordIn, now: dt.datetime | None = None) -> str:
    """Set the password through a link, once: the link is spent, the account's other sessions
    end (the session epoch moves) and its failed-login locks are lifted. Returns the login."""
    now = now or now_utc()
    with _refusals_recorded(now), db.transaction() as s:
        row, user = _check(s, token, now, lock=True)
        if data.login != user.login:
            raise TokenRefused("invalid", user.id)
        user.password_hash = hash_password(data.password)
        row.used_at = now
        s.execute(delete(LoginThrottle).where(LoginThrottle.login == rate_limit_key(user.login)))
        record(s, Actor.of(user), "choose_password", "user", user.id, after={"purpose": row.purpose}, at=now)
        return user.login


# --- The reminder's personal link to the bulletin ----------------------------------------------


def bulletin_page_url() -> str:
    """The bulletin page's address: the login form, then the page."""
    return f"{get_settings().app_url.rstrip('/')}/bulletin"


def reminder_link(s: Session, user: User, promotion: Promotion, defi_id: int, deadline: dt.datetime,
                  now: dt.datetime, issue: bool = True) -> str:
    """The address a reminder gives `user`, an EIG of the défi: a new personal link, valid once
    until the week's `deadline`, that signs them in on the défi's bulletin (an earlier one of
    theirs to the défi is voided); the bulletin page when the promotion turned these links off.
    Without `issue` (a dry run) nothing is written and a placeholder stands for the link."""
    if not promotion.bulletin_links:
        return bulletin_page_url()
    if not issue:
        return t("digest.remind.link_on_sending")
    token, _ = _issue(s, user, "bulletin", now, None, expires_at=deadline, defi_id=defi_id)
    record(s, None, "bulletin_link_issued", "user", user.id,
           after={"defi_id": defi_id, "expires_at": deadline.isoformat()}, at=now)
    return f"{get_settings().app_url.rstrip('/')}/?{BULLETIN_PARAM}={token}"


class BulletinLink(BaseModel):
    """Whom a used reminder link signs in, under which session epoch, and the bulletin it opens."""

    actor: Actor
    session_epoch: int
    promotion_id: int
    defi_id: int


def use_bulletin_link(token: str, signed_in: str | None, now: dt.datetime | None = None) -> BulletinLink:
    """Spend a reminder's link, once, as a login: its account, to be signed in, on its défi.
    `signed_in` is the login this browser is already signed in to, if any: another account's
    refuses the link and leaves it unspent. BulletinLinkRefused (audited) also when the link is
    unknown, used, replaced, past the week's deadline, its account changed or deactivated, the
    promotion turned these links off, or the account may no longer file the défi's bulletin."""
    now = now or now_utc()
    with _refusals_recorded(now), db.transaction(bump=False) as s:
        row, user = _check(s, token, now, ("bulletin",), BulletinLinkRefused, lock=True)
        if signed_in is not None and signed_in != user.login:
            raise BulletinLinkRefused("other_account", user.id)
        defi = s.get(Defi, row.defi_id)
        if not defi.promotion.bulletin_links:
            raise BulletinLinkRefused("disabled", user.id)
        actor = Actor.of(user)
        if not allowed(capacity(s, actor, defi.id), Action.WRITE_BULLETIN):
            raise BulletinLinkRefused("not_eig", user.id)
        row.used_at = now
        record(s, actor, "login_bulletin_link", "user", user.id, after={"defi_id": defi.id}, at=now)
        return BulletinLink(actor=actor, session_epoch=user.session_epoch, promotion_id=defi.promotion_id,
                            defi_id=defi.id)


def bulletin_links_on(actor: Actor, promotion_id: int) -> bool:
    """Whether the promotion's reminders carry personal links to the bulletin (admins)."""
    require_admin(actor)
    with db.reading() as s:
        return db.load(s, Promotion, promotion_id).bulletin_links


def set_bulletin_links(actor: Actor, promotion_id: int, on: bool, now: dt.datetime | None = None) -> None:
    """Turn the promotion's personal bulletin links on or off (admins). Off, the links already
    mailed are voided too, so that turning them on again revives none."""
    require_admin(actor)
    now = now or now_utc()
    with db.transaction() as s:
        promotion = db.load(s, Promotion, promotion_id)
        if promotion.bulletin_links == on:
            return
        promotion.bulletin_links = on
        if not on:
            s.execute(update(PasswordToken)
                      .where(PasswordToken.purpose == "bulletin", PasswordToken.used_at.is_(None),
                             PasswordToken.voided_at.is_(None),
                             PasswordToken.defi_id.in_(select(Defi.id).where(Defi.promotion_id == promotion_id)))
                      .values(voided_at=now))
        record(s, actor, "bulletin_links", "promotion", promotion_id, before={"bulletin_links": not on},
               after={"bulletin_links": on}, at=now)


def _in_promotion(promotion_id: int) -> Select:
    """The accounts with a membership in a défi of the promotion."""
    return select(Membership.user_id).join(Defi, Defi.id == Membership.defi_id).where(Defi.promotion_id == promotion_id)


def overview(actor: Actor, now: dt.datetime | None = None, promotion_id: int | None = None) -> pd.DataFrame:
    """Every account (of the promotion's défis, when given) with its latest invitation (when,
    in what state) and its last login."""
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
        people = select(User.id, User.login, User.display_name, User.email, User.active).order_by(User.display_name)
        if promotion_id is not None:
            people = people.where(User.id.in_(_in_promotion(promotion_id)))
        people = s.execute(people).all()
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


# --- A whole promotion at once ---------------------------------------------------------------


class PromotionInvitations(BaseModel):
    """What inviting a promotion did: who was mailed, and who was not, by reason."""

    sent: list[str]
    failed: dict[str, list[str]]


def _never_invited(actor: Actor, promotion_id: int) -> Select:
    """The promotion's active accounts without a password (a roster import made them) that
    nobody ever invited, and that `actor` may invite (coaches: members only)."""
    query = (select(User.id, User.display_name)
             .where(User.active.is_(True), User.password_hash == NO_PASSWORD, User.id.in_(_in_promotion(promotion_id)),
                    User.id.not_in(select(PasswordToken.user_id).where(PasswordToken.purpose == "invitation")))
             .order_by(User.display_name, User.id))
    return query if admin(actor) else query.where(User.role == GlobalRole.MEMBER)


def never_invited(actor: Actor, promotion_id: int) -> int:
    """How many people `invite_promotion` would invite now."""
    require_staff(actor)
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(_never_invited(actor, promotion_id).subquery()))


def failures(report: dict[str, list[str]]) -> str:
    """The people not invited, by reason, in one French sentence per reason."""
    return " ".join(t("admin.invitations.promotion_failed", names=", ".join(names), reason=reason)
                    for reason, names in report.items())


def invite_promotion(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> PromotionInvitations:
    """Invite every person of the promotion never invited (`never_invited`), each through
    `invite` in a transaction of their own, so that a mail refused for one loses none of the
    others. The batch is recorded on the promotion when any mail left; refused, with the
    reasons, when none did."""
    require_staff(actor)
    now = now or now_utc()
    with db.reading() as s:
        db.load(s, Promotion, promotion_id)
        people = s.execute(_never_invited(actor, promotion_id)).all()
    if not people:
        raise Conflict(t("admin.invitations.promotion_nobody"))
    sent: list[str] = []
    failed: dict[str, list[str]] = {}
    for person in people:
        try:
            invite(actor, person.id, now)
            sent.append(person.display_name)
        except ServiceError as refused:
            failed.setdefault(str(refused), []).append(person.display_name)
    if not sent:
        raise ServiceError(failures(failed))
    with db.transaction() as s:
        record(s, actor, "invite", "promotion", promotion_id,
               after={"sent": len(sent), "failed": sum(len(names) for names in failed.values())}, at=now)
    return PromotionInvitations(sent=sent, failed=failed)
