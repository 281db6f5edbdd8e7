"""Read-only share links: one défi's published bulletins for people without an account.

A token is `<nonce>.<expiry>.<signature>`, the signature an HMAC-SHA256 (settings.share_secret)
of the nonce and the expiry. The ShareLink row behind the nonce lets a coach revoke it.
A forged, altered, expired or revoked token is refused with a clear message and no data.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets

import pandas as pd
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from lib import audit, db, formats
from lib.clock import now_utc, published_until, week_label
from lib.config import get_settings
from lib.errors import ServiceError
from lib.i18n import t
from lib.models import Bulletin, Defi, Promotion, ShareLink, User
from lib.permissions import Actor, require_staff
from lib.schemas import ShareLinkIn

QUERY_PARAM = "partage"
# A token as `token_for` writes it: a nonce of base64url characters (secrets.token_urlsafe),
# an expiry in ASCII digits (Unix seconds), a signature of 43 base64url characters (SHA-256).
TOKEN_RE = re.compile(r"([A-Za-z0-9_-]{1,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


class ShareRefused(ServiceError):
    """The share token cannot open anything; the message says why."""


def _signature(nonce: str, expiry: int) -> str:
    key = get_settings().share_secret.encode()
    digest = hmac.new(key, f"{nonce}.{expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(nonce: str, expires_at: dt.datetime) -> str:
    expiry = int(expires_at.timestamp())
    return f"{nonce}.{expiry}.{_signature(nonce, expiry)}"


def url_for(token: str) -> str:
    return f"{get_settings().app_url.rstrip('/')}/?{QUERY_PARAM}={token}"


def create_link(actor: Actor, defi_id: int, data: ShareLinkIn, now: dt.datetime | None = None) -> str:
    """A new share link of the défi valid `data.days` days; returns its token."""
    require_staff(actor)
    now = (now or now_utc()).replace(microsecond=0)
    with db.transaction() as s:
        db.load(s, Defi, defi_id)
        with audit.change(s, actor, "create", "share_link", None, ["defi_id", "expires_at"], at=now) as change:
            link = change.add(ShareLink(defi_id=defi_id, nonce=secrets.token_urlsafe(24),
                                        expires_at=now + dt.timedelta(days=data.days), created_by_id=actor.id,
                                        created_at=now, updated_at=now))
        return token_for(link.nonce, link.expires_at)


def revoke(actor: Actor, link_id: int, now: dt.datetime | None = None) -> None:
    """A coach withdraws a link: it opens nothing any more, at once."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        link = db.load(s, ShareLink, link_id)
        if link.revoked_at is None:
            with audit.change(s, actor, "revoke", "share_link", link, ["revoked_at"], at=now):
                link.revoked_at = now


def list_links(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """The défi's share links for coaches, with their URL and state."""
    require_staff(actor)
    now = now or now_utc()
    with db.reading() as s:
        rows = s.execute(select(ShareLink.id, ShareLink.nonce, ShareLink.created_at, ShareLink.expires_at,
                                ShareLink.revoked_at, User.display_name)
                         .outerjoin(User, User.id == ShareLink.created_by_id)
                         .where(ShareLink.defi_id == defi_id).order_by(ShareLink.created_at.desc())).all()
    out = []
    for r in rows:
        state = "revoked" if r.revoked_at else "expired" if now >= r.expires_at else "active"
        out.append({"id": r.id, "created_at": r.created_at, "created_by": r.display_name or "",
                    "expires_at": r.expires_at, "state": state, "state_label": t(f"share.state.{state}"),
                    "url": url_for(token_for(r.nonce, r.expires_at))})
    return pd.DataFrame(out, columns=["id", "created_at", "created_by", "expires_at", "state", "state_label", "url"])


class SharedBulletins(BaseModel):
    """What a share link shows: the défi's name and its published bulletins, nothing else."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    defi: str
    promotion: str
    expires_at: dt.datetime
    bulletins: pd.DataFrame


def parse_token(token: object) -> tuple[str, int, str]:
    """The nonce, expiry and signature of a token taken from an address; ShareRefused for
    anything else, before any decoding (a « ² » or a 5,000-digit expiry is no number `int`
    takes) or any lookup."""
    match = TOKEN_RE.fullmatch(token.strip()) if isinstance(token, str) else None
    if match is None:
        raise ShareRefused(t("share.refused.invalid"))
    return match[1], int(match[2]), match[3]


def open_link(token: str, now: dt.datetime | None = None) -> SharedBulletins:
    """Check the token (its shape, its signature, then the link's row: revoked, expired) and
    return the défi's published bulletins; ShareRefused otherwise."""
    now = now or now_utc()
    nonce, expiry, signature = parse_token(token)
    if not hmac.compare_digest(signature.encode(), _signature(nonce, expiry).encode()):
        raise ShareRefused(t("share.refused.invalid"))
    with db.reading() as s:
        link = s.scalar(select(ShareLink).where(ShareLink.nonce == nonce))
        if link is None or int(link.expires_at.timestamp()) != expiry:
            raise ShareRefused(t("share.refused.invalid"))
        if link.revoked_at is not None:
            raise ShareRefused(t("share.refused.revoked"))
        promotion = s.scalar(select(Promotion).join(Defi, Defi.promotion_id == Promotion.id)
                             .where(Defi.id == link.defi_id))
        if now >= link.expires_at:
            raise ShareRefused(t("share.refused.expired", date=formats.moment(link.expires_at, promotion.timezone)))
        defi_name = s.scalar(select(Defi.name).where(Defi.id == link.defi_id))
        rows = s.execute(
            select(Bulletin.iso_year, Bulletin.iso_week, Bulletin.mood, Bulletin.priority, Bulletin.ups_downs)
            .where(Bulletin.defi_id == link.defi_id, Bulletin.week_start <= published_until(promotion, now))
            .order_by(Bulletin.week_start.desc())).all()
        bulletins = pd.DataFrame([{"week": week_label(y, w), "mood": m, "priority": p,
                                   "ups_downs": u} for y, w, m, p, u in rows],
                                 columns=["week", "mood", "priority", "ups_downs"])
        return SharedBulletins(defi=defi_name, promotion=promotion.name, expires_at=link.expires_at,
                               bulletins=bulletins)
