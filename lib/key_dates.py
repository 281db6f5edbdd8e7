"""Key dates: the upcoming milestones défis announce in their bulletins, per défi and
for a whole promotion, and an iCalendar (RFC 5545) file calendar apps can subscribe to.

A key date filed in a bulletin follows that bulletin's publication: its own team and
the coaches see it at once, the rest of the promotion from the week's deadline on.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session

from lib import db
from lib.bulletins import load_promotion, published_until
from lib.clock import now_utc
from lib.errors import NotFound, PermissionDenied
from lib.i18n import t
from lib.models import Bulletin, Defi, DefiRole, KeyDate, Membership, Promotion
from lib.permissions import Action, Actor, member_promotions, require

COLUMNS = ["id", "defi_id", "defi", "on_date", "description", "upcoming"]


def _visible(s: Session, actor: Actor, promotion: Promotion, now: dt.datetime):  # noqa: ANN202 - a clause
    if actor.active and actor.is_staff:
        return true()
    if not actor.active or promotion.id not in member_promotions(s, actor):
        raise PermissionDenied(t("error.permission_denied"))
    cutoff = published_until(promotion, now)
    published = Bulletin.week_start <= cutoff if cutoff else false()
    # A date typed in a bulletin is published with it; the EIGs who wrote it see it at once.
    writes = select(Membership.defi_id).where(Membership.user_id == actor.id, Membership.role == DefiRole.EIG)
    return or_(KeyDate.defi_id.in_(writes), KeyDate.bulletin_id.is_(None), published)


def key_dates(actor: Actor, promotion_id: int, defi_id: int | None = None,
              now: dt.datetime | None = None) -> pd.DataFrame:
    """The promotion's key dates the actor may see (one défi's when `defi_id` is given),
    in date order, flagged upcoming (today or later, Paris time) or past."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        if defi_id is not None:
            require(s, actor, Action.READ_BULLETIN_PUBLISHED, defi_id)
        query = (select(KeyDate.id, KeyDate.defi_id, Defi.name, KeyDate.on_date, KeyDate.description)
                 .join(Defi, Defi.id == KeyDate.defi_id)
                 .outerjoin(Bulletin, Bulletin.id == KeyDate.bulletin_id)
                 .where(Defi.promotion_id == promotion_id, _visible(s, actor, promotion, now))
                 .order_by(KeyDate.on_date, Defi.name))
        if defi_id is not None:
            query = query.where(KeyDate.defi_id == defi_id)
        rows = s.execute(query).all()
        today = now.astimezone(ZoneInfo(promotion.timezone)).date()
    return pd.DataFrame([{"id": i, "defi_id": d, "defi": n, "on_date": day, "description": text,
                          "upcoming": day >= today} for i, d, n, day, text in rows], columns=COLUMNS)


# --- iCalendar ------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newlines escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines of at most 75 octets, continued with CRLF + one space, never
    cutting a UTF-8 character in two."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def ics(actor: Actor, promotion_id: int, now: dt.datetime | None = None, host: str = "suivi-eig") -> str:
    """The promotion's key dates as an iCalendar file: one all-day VEVENT each, with a
    stable UID (same event after an edit) and DTSTAMP."""
    now = now or now_utc()
    dates = key_dates(actor, promotion_id, now=now)
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(t("error.not_found"))
        name = promotion.name
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Suivi des defis EIG//Dates cles//FR",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(t('keydates.ics_name', name=name))}"]
    for row in dates.itertuples(index=False):
        lines += ["BEGIN:VEVENT", f"UID:key-date-{row.id}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{row.on_date:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{row.on_date + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(f'{row.defi} : {row.description}')}",
                  f"DESCRIPTION:{_escape(row.description)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
