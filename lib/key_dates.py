"""Key dates and the promotion's calendar: the milestones défis announce in their bulletins,
and one calendar of everything dated in the programme (bulletin deadlines with their holiday
shifts, committees, phase ends, the programme's events, key dates), per défi or for the whole
promotion, on screen and as an iCalendar file (built with `icalendar`) whose UIDs derive from
each record's kind and id, so a re-import updates events instead of duplicating them.

A key date filed in a bulletin follows that bulletin's publication: its own team and
the coaches see it at once, the rest of the promotion from the week's deadline on.
Committees and phase ends are read by the défi's team and the coaches (committee.read,
phases.read); deadlines and the programme's events by the whole promotion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from lib import db
from lib.bulletins import load_promotion, promotion_clause
from lib.clock import (
    WEEK,
    deadline_of,
    iso_week_of,
    local_today,
    now_utc,
    programme_end,
    programme_start,
)
from lib.i18n import t
from lib.models import (
    CALENDAR_KINDS,
    Bulletin,
    Committee,
    Defi,
    DefiPhase,
    KeyDate,
    PhaseTemplate,
    Promotion,
    Training,
)
from lib.permissions import Action, Actor, defis_where, require

COLUMNS = ["id", "defi_id", "defi", "on_date", "description", "upcoming"]


def _visible(s: Session, actor: Actor, promotion: Promotion, now: dt.datetime) -> ColumnElement[bool]:
    """Key dates typed alone, and those typed in a bulletin the actor may read (published with
    it; its EIGs and the coaches see it at once), in a query joining `Defi` and `Bulletin`."""
    return or_(KeyDate.bulletin_id.is_(None), promotion_clause(s, actor, promotion, now))


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
        today = local_today(promotion, now)
    return pd.DataFrame([{"id": i, "defi_id": d, "defi": n, "on_date": day, "description": text,
                          "upcoming": day >= today} for i, d, n, day, text in rows], columns=COLUMNS)


# --- The promotion's calendar -----------------------------------------------------------------

KINDS = list(CALENDAR_KINDS)
CALENDAR_COLUMNS = ["uid", "kind", "kind_label", "defi_id", "defi", "day", "at", "title", "description",
                    "upcoming", "week_start"]
UID_DOMAIN = "suivi-eig"


def uid(kind: str, *key: object) -> str:
    """A calendar event's UID from its record: never changes while the record exists, so a
    calendar app updates the event on a re-import (« key-date-12@suivi-eig »)."""
    return f"{kind}-{'-'.join(str(k) for k in key)}@{UID_DOMAIN}"


def _deadlines(promotion: Promotion) -> list[dict]:
    """One per programme week; a deadline a public holiday moved back says so."""
    out, monday = [], programme_start(promotion)
    tz = ZoneInfo(promotion.timezone)
    while monday < programme_end(promotion):
        year, week = iso_week_of(monday)
        at = deadline_of(promotion, year, week)
        local = at.astimezone(tz)
        shifted = local.isoweekday() != promotion.deadline_weekday
        out.append({"uid": uid("deadline", promotion.id, f"{year}W{week:02d}"), "kind": "deadline",
                    "defi_id": None, "defi": "", "day": local.date(), "at": at,
                    "title": t("calendar.deadline.shifted" if shifted else "calendar.deadline"),
                    "description": t("calendar.deadline.shifted_why") if shifted else ""})
        monday += WEEK
    return out


def calendar(actor: Actor, promotion_id: int, defi_ids: Sequence[int] | None = None,
             kinds: Sequence[str] | None = None, now: dt.datetime | None = None) -> pd.DataFrame:
    """Everything dated in the promotion the actor may read (only these défis', with the
    promotion's deadlines and events, when `defi_ids` is given), in time order, flagged upcoming."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        for defi_id in defi_ids or ():
            require(s, actor, Action.READ_BULLETIN_PUBLISHED, defi_id)
        visible_keys = _visible(s, actor, promotion, now)  # refuses people outside the promotion
        of_defi = Defi.id.in_(defi_ids) if defi_ids is not None else true()
        in_promotion = Defi.promotion_id == promotion_id
        rows = _deadlines(promotion)
        rows += [{"uid": uid("training", i), "kind": "event", "defi_id": None, "defi": "", "day": day, "at": None,
                  "title": title, "description": ""} for i, day, title in s.execute(
            select(Training.id, Training.held_on, Training.title).where(Training.promotion_id == promotion_id))]
        rows += [{"uid": uid("programme-start", promotion.id), "kind": "event", "defi_id": None, "defi": "",
                  "day": promotion.start_date, "at": None, "title": t("calendar.programme_start"), "description": ""},
                 {"uid": uid("programme-end", promotion.id), "kind": "event", "defi_id": None, "defi": "",
                  "day": programme_end(promotion) - dt.timedelta(days=1), "at": None,
                  "title": t("calendar.programme_end"), "description": ""}]
        tz = ZoneInfo(promotion.timezone)
        rows += [{"uid": uid("committee", i), "kind": "committee", "defi_id": d, "defi": name,
                  "day": at.astimezone(tz).date(), "at": at, "title": t("calendar.committee", number=number),
                  "description": ""} for i, d, name, at, number in s.execute(
            select(Committee.id, Defi.id, Defi.name, Committee.scheduled_at, PhaseTemplate.number)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id).join(Defi, Defi.id == DefiPhase.defi_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(in_promotion, of_defi, defis_where(actor, Action.READ_COMMITTEE)))]
        # A phase window ends the day before `planned_end` (windows are half-open).
        rows += [{"uid": uid("phase-end", i), "kind": "phase_end", "defi_id": d, "defi": name,
                  "day": end - dt.timedelta(days=1), "at": None, "title": t("calendar.phase_end", number=number),
                  "description": t("calendar.phase_validated") if validated else ""}
                 for i, d, name, end, number, validated in s.execute(
            select(DefiPhase.id, Defi.id, Defi.name, DefiPhase.planned_end, PhaseTemplate.number,
                   DefiPhase.validated_at)
            .join(Defi, Defi.id == DefiPhase.defi_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(in_promotion, of_defi, defis_where(actor, Action.READ_PHASES)))]
        rows += [{"uid": uid("key-date", i), "kind": "key_date", "defi_id": d, "defi": name, "day": day, "at": None,
                  "title": text, "description": text} for i, d, name, day, text in s.execute(
            select(KeyDate.id, Defi.id, Defi.name, KeyDate.on_date, KeyDate.description)
            .join(Defi, Defi.id == KeyDate.defi_id).outerjoin(Bulletin, Bulletin.id == KeyDate.bulletin_id)
            .where(in_promotion, of_defi, visible_keys))]
    today = now.astimezone(tz).date()
    frame = pd.DataFrame(rows, columns=[c for c in CALENDAR_COLUMNS if c not in ("kind_label", "upcoming",
                                                                                 "week_start")])
    if kinds is not None:
        frame = frame[frame["kind"].isin(kinds)]
    frame["kind_label"] = frame["kind"].map(lambda k: t(f"calendar.kind.{k}"))
    frame["upcoming"] = frame["day"].map(lambda d: d >= today).astype(bool)
    frame["week_start"] = frame["day"].map(lambda d: d - dt.timedelta(days=d.weekday()))
    order = frame["kind"].map(KINDS.index)
    frame = frame.assign(_order=order).sort_values(["day", "_order", "defi", "uid"]).drop(columns="_order")
    return frame[CALENDAR_COLUMNS].reset_index(drop=True)


# --- iCalendar ------------------------------------------------------------------------------


def ics(actor: Actor, promotion_id: int, now: dt.datetime | None = None, defi_ids: Sequence[int] | None = None,
        kinds: Sequence[str] | None = None) -> str:
    """The calendar as the iCalendar file people download, stamped with the export time."""
    now = now or now_utc()
    events = calendar(actor, promotion_id, defi_ids, kinds, now)
    with db.reading() as s:
        name = load_promotion(s, promotion_id).name
    return to_ical(t("keydates.ics_name", name=name), events, now)


def to_ical(name: str, events: pd.DataFrame, stamp: dt.datetime) -> str:
    """Calendar events (`calendar`'s frame) as an iCalendar file, the one builder of the
    downloaded file and of the subscribed feeds: all-day events for days, timed ones (UTC) for
    deadlines and committees; the UID of each is `uid(kind, id)`, DTSTAMP `stamp`."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Suivi des defis EIG//Calendrier de la promotion//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = stamp.astimezone(dt.UTC).replace(microsecond=0)
    for row in events.itertuples(index=False):
        event = icalendar.Event()
        event.add("uid", row.uid)
        event.add("dtstamp", stamp)
        if row.at is not None and not pd.isna(row.at):
            event.add("dtstart", row.at.astimezone(dt.UTC))
        else:
            event.add("dtstart", row.day)
            event.add("dtend", row.day + dt.timedelta(days=1))
        event.add("summary", f"{row.defi} : {row.title}" if row.defi else row.title)
        if row.description:
            event.add("description", row.description)
        event.add("categories", [row.kind_label])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
