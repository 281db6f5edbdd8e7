"""Calendars people subscribe to: an address `SUIVI_APP_URL/calendar/<token>.ics` that a
calendar app fetches on its own, listing the dates of all the person's défis or of one
promotion, of the kinds they chose (docs/design.md, Decisions: "Calendar feeds").

The token is random (256 bits) and only its SHA-256 is stored, as for password links: the
address is shown once, when it is made. Every fetch acts as the owner, re-read then: a feed
of an inactive account, made before a session epoch bump (« Se déconnecter partout », a
password reset), revoked or expired opens nothing, and the events are what
`key_dates.calendar` gives the owner at that moment. Fetches are counted per feed and hour in
SQL (the login throttle's way) and each one within the limit is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from lib import audit, db, key_dates
from lib.audit import record
from lib.bulletins import load_promotion, promotion_clause
from lib.clock import now_utc
from lib.config import get_settings
from lib.errors import NotFound, PermissionDenied, ServiceError
from lib.i18n import t
from lib.models import CalendarFeed, Defi, Membership, Promotion, User, UTCDateTime
from lib.permissions import Action, Actor, defis_where, require_admin, require_own_or_admin
from lib.schemas import CalendarFeedIn

ROUTE_PREFIX = "/calendar"
VALIDITY = dt.timedelta(days=365)
# A calendar app polls every few minutes at most (Thunderbird's shortest setting: one minute).
FETCHES_PER_WINDOW = 60
RATE_WINDOW = dt.timedelta(hours=1)
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
# The stamp the content's digest is computed at: two fetches of unchanged events differ only
# by their DTSTAMP, which is therefore the moment the content last changed.
_DIGEST_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class FeedNotFound(NotFound):
    """No feed opens with this token now: made up, revoked, expired, or its owner deactivated or
    logged out everywhere since it was made."""


class FeedThrottled(ServiceError):
    """The feed was fetched too often within the hour; `retry_at` is when the hour is over."""

    def __init__(self, retry_at: dt.datetime) -> None:
        super().__init__(t("feeds.throttled"))
        self.retry_at = retry_at


class FeedOptions(BaseModel):
    """What the subscription form offers the person: the scopes they may subscribe to and
    the kinds ticked by default (no bulletin deadlines for porteurs and sponsors)."""

    scopes: list[str]
    default_kinds: list[str]


class FeedFile(BaseModel):
    """A fetched feed: the iCalendar text, its validator and the moment its content last changed."""

    body: str
    etag: str
    modified: dt.datetime


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def url_for(token: str) -> str:
    return f"{get_settings().app_url.rstrip('/')}{ROUTE_PREFIX}/{token}.ics"


def _member_defis(s: Session, actor: Actor) -> dict[int, list[int]]:
    """The défis the actor belongs to, today, by promotion."""
    rows = s.execute(select(Defi.promotion_id, Defi.id).join(Membership, Membership.defi_id == Defi.id)
                     .where(Membership.user_id == actor.id).order_by(Defi.promotion_id, Defi.id)).all()
    out: dict[int, list[int]] = {}
    for promotion_id, defi_id in rows:
        out.setdefault(promotion_id, []).append(defi_id)
    return out


@db.reads_across_promotions  # whether the actor belongs to a défi, in any promotion
def options(actor: Actor, promotion_id: int | None, now: dt.datetime | None = None) -> FeedOptions:
    """The scopes the actor may subscribe to (their défis when they belong to one, the promotion
    when they may read it) and the kinds ticked by default: the bulletin deadlines only for
    those who read bulletins before them (EIGs, who file, and coaches), from the matrix."""
    now = now or now_utc()
    with db.reading() as s:
        scopes = ["defis"] if _member_defis(s, actor) else []
        if promotion_id is not None:
            try:
                promotion_clause(s, actor, load_promotion(s, promotion_id), now)
                scopes.append("promotion")
            except PermissionDenied:
                pass
        deadlines = s.scalar(select(Defi.id).where(defis_where(actor, Action.READ_BULLETIN_UNPUBLISHED)).limit(1))
    kinds = [k for k in key_dates.KINDS if k != "deadline" or deadlines is not None]
    return FeedOptions(scopes=scopes, default_kinds=kinds)


def subscribe(actor: Actor, data: CalendarFeedIn, now: dt.datetime | None = None) -> str:
    """A new feed of the actor's, valid a year; returns its address, which is not kept."""
    now = (now or now_utc()).replace(microsecond=0)
    with db.transaction(bump=False) as s:
        owner = db.load(s, User, actor.id)
        if data.scope == "defis" and not _member_defis(s, actor):
            raise ServiceError(t("feeds.no_defi"))
        if data.scope == "promotion":
            promotion_clause(s, actor, load_promotion(s, data.promotion_id), now)
        token = secrets.token_urlsafe(32)
        with audit.change(s, actor, "create", "calendar_feed", None,
                          ["scope", "promotion_id", "kinds", "expires_at"], at=now) as change:
            change.add(CalendarFeed(user_id=owner.id, token_hash=_digest(token), scope=data.scope,
                                    promotion_id=data.promotion_id, kinds=data.kinds,
                                    session_epoch=owner.session_epoch, created_at=now, expires_at=now + VALIDITY,
                                    window_fetches=0))
    return url_for(token)


def _state(feed: CalendarFeed, owner: User, now: dt.datetime) -> str:
    """active, revoked, expired, or ended (the owner deactivated, or logged out everywhere since)."""
    if feed.revoked_at is not None:
        return "revoked"
    if now >= feed.expires_at:
        return "expired"
    if not owner.active or owner.session_epoch != feed.session_epoch:
        return "ended"
    return "active"


def _listed(s: Session, where: object, now: dt.datetime) -> pd.DataFrame:
    rows = s.execute(select(CalendarFeed, User, Promotion.name)
                     .join(User, User.id == CalendarFeed.user_id)
                     .outerjoin(Promotion, Promotion.id == CalendarFeed.promotion_id)
                     .where(where).order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())).all()
    out = []
    for feed, owner, promotion in rows:
        state = _state(feed, owner, now)
        out.append({"id": feed.id, "owner": owner.display_name, "login": owner.login,
                    "scope_label": t("feeds.scope.promotion", name=promotion) if promotion
                    else t("feeds.scope.defis"),
                    "kinds_label": ", ".join(t(f"calendar.kind.{k}") for k in feed.kinds),
                    "created_at": feed.created_at, "expires_at": feed.expires_at,
                    "last_fetched_at": feed.last_fetched_at, "state": state, "state_label": t(f"feeds.state.{state}")})
    return pd.DataFrame(out, columns=["id", "owner", "login", "scope_label", "kinds_label", "created_at", "expires_at",
                                      "last_fetched_at", "state", "state_label"])


def my_feeds(actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """The actor's feeds, newest first, with their state and when they were last fetched."""
    with db.reading() as s:
        return _listed(s, CalendarFeed.user_id == actor.id, now or now_utc())


def all_feeds(actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every person's feeds not yet revoked, for admins."""
    require_admin(actor)
    with db.reading() as s:
        return _listed(s, CalendarFeed.revoked_at.is_(None), now or now_utc())


def renew(actor: Actor, feed_id: int, now: dt.datetime | None = None) -> dt.datetime:
    """Another year for one of the actor's active feeds, at the same address; the new expiry."""
    now = now or now_utc()
    with db.transaction(bump=False) as s:
        feed = db.load(s, CalendarFeed, feed_id)
        if feed.user_id != actor.id:
            raise PermissionDenied(t("error.permission_denied"))
        if _state(feed, s.get(User, feed.user_id), now) != "active":
            raise ServiceError(t("feeds.renew_inactive"))
        with audit.change(s, actor, "renew", "calendar_feed", feed, ["expires_at"], at=now):
            feed.expires_at = now.replace(microsecond=0) + VALIDITY
        return feed.expires_at


def revoke(actor: Actor, feed_id: int, now: dt.datetime | None = None) -> None:
    """Its owner, or an admin, withdraws a feed: it answers nothing any more, at once."""
    now = now or now_utc()
    with db.transaction(bump=False) as s:
        feed = db.load(s, CalendarFeed, feed_id)
        require_own_or_admin(actor, feed.user_id)
        if feed.revoked_at is None:
            with audit.change(s, actor, "revoke", "calendar_feed", feed, ["revoked_at", "revoked_by_id"], at=now):
                feed.revoked_at, feed.revoked_by_id = now, actor.id


# --- A calendar app's fetch ---------------------------------------------------------------


def _count_fetch(s: Session, feed: CalendarFeed, now: dt.datetime) -> tuple[int, dt.datetime]:
    """Count this fetch in the feed's current hour, in SQL so simultaneous fetches cannot share
    a count; the count and when the hour began."""
    at = literal(now, UTCDateTime())
    current = CalendarFeed.window_started_at > literal(now - RATE_WINDOW, UTCDateTime())
    return s.execute(update(CalendarFeed).where(CalendarFeed.id == feed.id)
                     .values(window_fetches=case((current, CalendarFeed.window_fetches + 1), else_=1),
                             window_started_at=case((current, CalendarFeed.window_started_at), else_=at))
                     .returning(CalendarFeed.window_fetches, CalendarFeed.window_started_at)
                     .execution_options(synchronize_session=False)).one()


def _events(owner: Actor, scope: str, promotion_id: int | None, kinds: Sequence[str],
            now: dt.datetime) -> tuple[str, pd.DataFrame]:
    """The calendar's name and events, read by the calendar services as the owner."""
    if scope == "promotion":
        with db.reading() as s:
            name = load_promotion(s, promotion_id).name
        return t("keydates.ics_name", name=name), key_dates.calendar(owner, promotion_id, None, kinds, now)
    with db.reading() as s:
        defis = _member_defis(s, owner)
    frames = [key_dates.calendar(owner, promotion, ids, kinds, now) for promotion, ids in defis.items()]
    events = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=key_dates.CALENDAR_COLUMNS)
    return t("feeds.name.defis", name=owner.display_name), events.sort_values(["day", "uid"], ignore_index=True)


def fetch(token: str, client: str | None, now: dt.datetime | None = None) -> FeedFile:
    """The feed behind `token` as its owner may read it now; FeedNotFound when nothing opens
    with it, FeedThrottled beyond FETCHES_PER_WINDOW fetches in the hour. Every fetch of a
    feed within the limit is audited, refused or not; the first one beyond it too."""
    now = (now or now_utc()).replace(microsecond=0)
    if not TOKEN_RE.fullmatch(token or ""):
        raise FeedNotFound(t("feeds.not_found"))
    with db.transaction(bump=False) as s:
        feed = s.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
        if feed is None:
            raise FeedNotFound(t("feeds.not_found"))
        owner = s.get(User, feed.user_id)
        fetches, window_started_at = _count_fetch(s, feed, now)
        state = "throttled" if fetches > FETCHES_PER_WINDOW else _state(feed, owner, now)
        if fetches <= FETCHES_PER_WINDOW + 1:
            record(s, Actor.of(owner), "calendar_feed_fetch", "calendar_feed", feed.id,
                   after={"client": (client or "-")[:64], "state": state}, at=now)
        if state == "active":
            feed.last_fetched_at = now
        actor, scope, promotion_id, kinds = Actor.of(owner), feed.scope, feed.promotion_id, list(feed.kinds)
        known_digest, changed_at = feed.content_digest, feed.content_changed_at
    if state == "throttled":
        raise FeedThrottled(window_started_at + RATE_WINDOW)
    if state != "active":
        raise FeedNotFound(t("feeds.not_found"))
    try:
        name, events = _events(actor, scope, promotion_id, kinds, now)
    except (PermissionDenied, NotFound):  # the owner no longer reads that promotion
        raise FeedNotFound(t("feeds.not_found")) from None
    digest = _digest(key_dates.to_ical(name, events, _DIGEST_STAMP))
    if digest != known_digest or changed_at is None:
        changed_at = now
        with db.transaction(bump=False) as s:
            s.execute(update(CalendarFeed).where(CalendarFeed.token_hash == _digest(token))
                      .values(content_digest=digest, content_changed_at=now)
                      .execution_options(synchronize_session=False))
    body = key_dates.to_ical(name, events, changed_at)
    return FeedFile(body=body, etag=f'"{_digest(body)[:32]}"', modified=changed_at)
