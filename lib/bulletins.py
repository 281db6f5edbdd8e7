"""Weekly bulletins (« rétrospective hebdomadaire »): filing this week's bulletin until
the deadline, the publication rule, and the trends of a défi and of a promotion.

Publication (docs/design.md, Publication): before a week's deadline its bulletins are read
by their défi's EIGs and by the coaches; from the deadline on, by every member of the
promotion. The rule is enforced here, with `now` injectable.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib import audit, db, formats
from lib.clock import (
    WEEK,
    ProgrammeClock,
    current_week,
    deadline_of,
    in_progress_week,
    iso_week_of,
    next_deadline,
    now_utc,
    programme_clock,
    programme_end,
    programme_start,
    published_until,
    week_label,
    week_monday,
)
from lib.errors import Conflict, NotFound, PermissionDenied
from lib.exports import csv_bytes
from lib.i18n import t
from lib.models import (
    Bulletin,
    Defi,
    DefiPhase,
    HelpRequest,
    HelpStatus,
    KeyDate,
    PhaseTemplate,
    Promotion,
)
from lib.permissions import Action, Actor, Capacity, allowed, defis_where, member_promotions, require, staff
from lib.phases import phase_windows
from lib.schemas import BulletinIn

BULLETIN_FIELDS = ["mood", "priority", "ups_downs", "help_request"]
KEY_DATE_FIELDS = ["on_date", "description"]
# --- Visibility ----------------------------------------------------------------------------


def promotion_of_defi(session: Session, defi_id: int) -> Promotion:
    promotion = session.scalar(select(Promotion).join(Defi, Defi.promotion_id == Promotion.id)
                               .where(Defi.id == defi_id))
    if promotion is None:
        raise NotFound(t("error.not_found"))
    return promotion


def readable_clause(session: Session, actor: Actor, defi_id: int, promotion: Promotion,
                    now: dt.datetime) -> tuple[ColumnElement[bool], Capacity]:
    """Which of a défi's bulletins the actor may read (PermissionDenied if none): the weeks
    in progress only for those the matrix lets read them unpublished; and the actor's
    capacity, for what else the caller shows."""
    cap = require(session, actor, Action.READ_BULLETIN_PUBLISHED, defi_id)
    if allowed(cap, Action.READ_BULLETIN_UNPUBLISHED):
        return true(), cap
    return Bulletin.week_start <= published_until(promotion, now), cap


def promotion_clause(session: Session, actor: Actor, promotion: Promotion,
                     now: dt.datetime) -> ColumnElement[bool]:
    """Which bulletins of a promotion the actor may read, in a query joining `Defi`: every week
    of the défis the matrix lets them read unpublished (all for coaches, theirs for EIGs), the
    published weeks of the others for the promotion's members; PermissionDenied for others."""
    if not staff(actor) and not (actor.active and promotion.id in member_promotions(session, actor)):
        raise PermissionDenied(t("error.permission_denied"))
    published = Bulletin.week_start <= published_until(promotion, now)
    return or_(defis_where(actor, Action.READ_BULLETIN_UNPUBLISHED), published)


def load_promotion(session: Session, promotion_id: int) -> Promotion:
    """The promotion a read is about (NotFound if none), as a write loads its row."""
    return db.load(session, Promotion, promotion_id)


# --- The form ------------------------------------------------------------------------------


class WeekState(BaseModel):
    """This week, as the form shows it: open or closed, deadline, the filed bulletin."""

    iso_year: int
    iso_week: int
    label: str
    deadline: dt.datetime
    next_deadline: dt.datetime
    timezone: str
    open: bool
    bulletin_id: int | None = None
    version: int | None = None
    mood: int | None = None
    priority: str = ""
    ups_downs: str = ""
    help_request: str = ""
    key_date: dt.date | None = None
    key_date_description: str = ""
    help_status: HelpStatus | None = None
    help_answer: str = ""


def _this_week(s: Session, defi_id: int, now: dt.datetime) -> tuple[Promotion, int, int, dt.datetime,
                                                                  Bulletin | None]:
    """The défi's week in progress by its promotion's calendar, its deadline, and its bulletin if filed."""
    promotion = promotion_of_defi(s, defi_id)
    year, week = current_week(promotion, now)
    bulletin = s.scalar(select(Bulletin).where(Bulletin.defi_id == defi_id, Bulletin.iso_year == year,
                                               Bulletin.iso_week == week))
    return promotion, year, week, deadline_of(promotion, year, week), bulletin


def week_state(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> WeekState:
    """This week's bulletin of the défi for its team: the form's starting point."""
    now = now or now_utc()
    with db.reading() as s:
        require(s, actor, Action.READ_BULLETIN_UNPUBLISHED, defi_id)
        promotion, year, week, deadline, bulletin = _this_week(s, defi_id, now)
        state = WeekState(iso_year=year, iso_week=week, label=formats.iso_week(year, week), deadline=deadline,
                          next_deadline=next_deadline(promotion, year, week),
                          timezone=promotion.timezone, open=now < deadline)
        if bulletin is not None:
            key_date = s.scalar(select(KeyDate).where(KeyDate.bulletin_id == bulletin.id))
            state = state.model_copy(update={
                "bulletin_id": bulletin.id, "version": bulletin.version, "mood": bulletin.mood,
                "priority": bulletin.priority, "ups_downs": bulletin.ups_downs,
                "help_request": bulletin.help_request,
                "key_date": key_date.on_date if key_date else None,
                "key_date_description": key_date.description if key_date else "",
                "help_status": bulletin.help.status if bulletin.help else None,
                "help_answer": bulletin.help.answer if bulletin.help else ""})
        return state


def file_bulletin(actor: Actor, defi_id: int, data: BulletinIn, expected_version: int | None = None,
                  now: dt.datetime | None = None) -> int:
    """File or edit this week's bulletin of the défi; refused once the deadline has passed.

    `expected_version` is the version the form was opened on (None for a new bulletin):
    an edit made meanwhile by a teammate is never silently overwritten."""
    now = now or now_utc()
    with db.transaction() as s:
        require(s, actor, Action.WRITE_BULLETIN, defi_id)
        promotion, year, week, deadline, bulletin = _this_week(s, defi_id, now)
        if now >= deadline:
            raise Conflict(t("bulletin.closed", week=formats.iso_week(year, week), next=formats.moment(
                next_deadline(promotion, year, week), promotion.timezone)))
        db.expect_version(bulletin, expected_version)
        with audit.change(s, actor, "update" if bulletin else "create", "bulletin", bulletin, BULLETIN_FIELDS,
                          at=now) as change:
            if bulletin is None:
                bulletin = change.add(Bulletin(defi_id=defi_id, iso_year=year, iso_week=week,
                                               week_start=week_monday(year, week), created_by_id=actor.id,
                                               created_at=now, updated_at=now))
            else:
                bulletin.updated_at = now
            bulletin.mood, bulletin.priority, bulletin.ups_downs = data.mood, data.priority, data.ups_downs
            bulletin.help_request = data.help_request
            try:
                s.flush()
            except IntegrityError as exc:  # a teammate filed this week's bulletin since we looked
                raise Conflict(t("bulletin.filed_meanwhile")) from exc
        _sync_help_request(s, actor, bulletin, now)
        _sync_key_date(s, actor, bulletin, data, now)
        return bulletin.id


def _sync_help_request(s: Session, actor: Actor, bulletin: Bulletin, now: dt.datetime) -> None:
    """A help request in the bulletin is a ticket for the coaches: created when the team
    writes one, dropped when they withdraw it before any coach answered."""
    ticket = s.scalar(select(HelpRequest).where(HelpRequest.bulletin_id == bulletin.id))
    if bulletin.help_request and ticket is None:
        with audit.change(s, actor, "create", "help_request", None, ["bulletin_id"], at=now) as change:
            change.add(HelpRequest(bulletin_id=bulletin.id, status=HelpStatus.OPEN, created_by_id=actor.id,
                                   created_at=now, updated_at=now))
    elif not bulletin.help_request and ticket is not None and ticket.first_answered_at is None \
            and ticket.status is not HelpStatus.RESOLVED:
        with audit.change(s, actor, "delete", "help_request", ticket, ["bulletin_id"], at=now):
            s.delete(ticket)


def _sync_key_date(s: Session, actor: Actor, bulletin: Bulletin, data: BulletinIn, now: dt.datetime) -> None:
    """The bulletin's optional upcoming key date is the défi's KeyDate for that day."""
    mine = s.scalar(select(KeyDate).where(KeyDate.bulletin_id == bulletin.id))
    if data.key_date is None:
        if mine is not None:
            with audit.change(s, actor, "delete", "key_date", mine, KEY_DATE_FIELDS, at=now):
                s.delete(mine)
        return
    same_day = s.scalar(select(KeyDate).where(KeyDate.defi_id == bulletin.defi_id,
                                              KeyDate.on_date == data.key_date))
    if mine is not None and same_day is not None and same_day.id != mine.id:
        # The team moved this bulletin's key date onto a day that already has one: keep that one.
        with audit.change(s, actor, "delete", "key_date", mine, KEY_DATE_FIELDS, at=now):
            s.delete(mine)
        mine = None
    target = mine or same_day
    if target is None:
        with audit.change(s, actor, "create", "key_date", None, KEY_DATE_FIELDS, at=now) as change:
            change.add(KeyDate(defi_id=bulletin.defi_id, on_date=data.key_date, description=data.key_date_description,
                               bulletin_id=bulletin.id, created_by_id=actor.id, created_at=now, updated_at=now))
        return
    with audit.change(s, actor, "update", "key_date", target, KEY_DATE_FIELDS, at=now):
        target.on_date, target.description, target.bulletin_id = data.key_date, data.key_date_description, bulletin.id


# --- Reading bulletins ---------------------------------------------------------------------

BULLETIN_COLUMNS = ["id", "week_start", "week", "mood", "priority", "ups_downs", "help_request",
                    "help_status", "help_answer", "key_date", "key_date_description", "published"]
PAGE_SIZE = 10  # bulletin cards are read ten at a time: a page stays short whatever the history

# French letters folded for search: accents dropped, ligatures spelt out.
_FOLDS = {**{c: "a" for c in "àâäáÀÂÄÁ"}, **{c: "e" for c in "éèêëÉÈÊË"}, **{c: "i" for c in "îïíÎÏÍ"},
          **{c: "o" for c in "ôöóÔÖÓ"}, **{c: "u" for c in "ùûüúÙÛÜÚ"}, **{c: "y" for c in "ÿŸ"},
          **{c: "c" for c in "çÇ"}, **{c: "oe" for c in "œŒ"}, **{c: "ae" for c in "æÆ"}}
# What each folded letter, or pair spelt as a ligature, stands for in a bulletin's text.
_SPELLINGS = {plain: "".join(c for c, p in _FOLDS.items() if p == plain) for plain in set(_FOLDS.values())}


def search_terms(text: str) -> list[str]:
    """The words of a search, folded: lower case, accents dropped, ligatures spelt out."""
    return text.translate(str.maketrans(_FOLDS)).lower().split()


def _pattern(term: str) -> str:
    """A regular expression finding a folded word in text as typed, in any case and with or
    without its accents: « equipe » finds « Équipe ». Each letter is a class of its spellings,
    every other character is escaped, so a typed `%`, `_`, `.` or `*` is searched as typed.
    Python's `re` (SQLite's REGEXP in SQLAlchemy) and PostgreSQL read it alike, without their
    case flags, which PostgreSQL applies to ASCII alone in some locales."""
    out, i = [], 0
    while i < len(term):
        pair = term[i:i + 2]
        if pair in ("oe", "ae"):  # œ, æ, or the two letters
            out.append(f"(?:{_pattern(pair[0])}{_pattern(pair[1])}|[{_SPELLINGS[pair]}])")
            i += 2
            continue
        c = term[i]
        spellings = {c, c.upper(), *_SPELLINGS.get(c, "")} if c.isalpha() and len(c.upper()) == 1 else {c}
        out.append(f"[{''.join(sorted(spellings))}]" if len(spellings) > 1 else re.escape(c))
        i += 1
    return "".join(out)


def _matching(columns: list[ColumnElement[str]], text: str) -> list[ColumnElement[bool]]:
    """Where clauses: each word of `text` is in one of `columns`, whatever its case and
    accents (`_pattern`)."""
    haystack = functools.reduce(lambda text, c: text + "\n" + func.coalesce(c, ""), columns[1:],
                                func.coalesce(columns[0], ""))
    return [haystack.regexp_match(_pattern(term)) for term in search_terms(text)]


class BulletinCard(BaseModel):
    """A bulletin as its card shows it: the week, the texts, its help ticket and key date."""

    id: int
    week_start: dt.date
    week: str
    mood: int
    priority: str
    ups_downs: str
    help_request: str
    help_status: str
    help_answer: str
    key_date: dt.date | None
    key_date_description: str
    published: bool


class Paged(BaseModel):
    """Where a page of cards stands: how many cards in all, which page of how many."""

    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        """The rank of the page's first card (1 for the newest)."""
        return min((self.page - 1) * PAGE_SIZE + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


class BulletinPage(Paged):
    cards: list[BulletinCard]


def _page_of(total: int, page: int) -> tuple[int, int]:
    """The page asked for, within the pages there are, and how many there are."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(1, page), pages), pages


def _card_query(s: Session, actor: Actor, defi_id: int, now: dt.datetime) -> tuple[Select, bool, dt.date]:
    """The défi's bulletins the actor may read, with their help ticket and key date; whether
    the actor reads the coaches' answers; the last published week."""
    promotion = promotion_of_defi(s, defi_id)
    clause, cap = readable_clause(s, actor, defi_id, promotion, now)
    query = (select(Bulletin.id, Bulletin.week_start, Bulletin.iso_year, Bulletin.iso_week, Bulletin.mood,
                    Bulletin.priority, Bulletin.ups_downs, Bulletin.help_request, HelpRequest.status,
                    HelpRequest.answer, KeyDate.on_date, KeyDate.description)
             .outerjoin(HelpRequest, HelpRequest.bulletin_id == Bulletin.id)
             .outerjoin(KeyDate, KeyDate.bulletin_id == Bulletin.id)
             .where(Bulletin.defi_id == defi_id, clause))
    return query, allowed(cap, Action.READ_HELP_ANSWERS), published_until(promotion, now)


def _card(r: Row, answers: bool, cutoff: dt.date) -> dict:
    return {"id": r.id, "week_start": r.week_start, "week": week_label(r.iso_year, r.iso_week), "mood": r.mood,
            "priority": r.priority, "ups_downs": r.ups_downs,
            "help_request": r.help_request, "help_status": t(f"help.status.{r.status}") if r.status else "",
            "help_answer": (r.answer or "") if answers else "",
            "key_date": r.on_date, "key_date_description": r.description or "",
            "published": r.week_start <= cutoff}


def defi_bulletins(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """The défi's bulletins the actor may read, newest first, with their help ticket
    and key date."""
    now = now or now_utc()
    with db.reading() as s:
        query, answers, cutoff = _card_query(s, actor, defi_id, now)
        rows = s.execute(query.order_by(Bulletin.week_start.desc())).all()
    return pd.DataFrame([_card(r, answers, cutoff) for r in rows], columns=BULLETIN_COLUMNS)


def defi_bulletin_page(actor: Actor, defi_id: int, search: str = "", page: int = 1,
                       now: dt.datetime | None = None) -> BulletinPage:
    """One page of the défi's bulletins the actor may read, newest first, counted and sliced
    in SQL; with `search`, those holding each of its words, whatever their case and accents,
    in what their card shows the actor (the help request and its answer for the défi's team
    and the coaches only)."""
    now = now or now_utc()
    with db.reading() as s:
        query, answers, cutoff = _card_query(s, actor, defi_id, now)
        texts = [Bulletin.priority, Bulletin.ups_downs, KeyDate.description]
        if answers:
            texts += [Bulletin.help_request, HelpRequest.answer]
        query = query.where(*_matching(texts, search))
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page, pages = _page_of(total, page)
        rows = s.execute(query.order_by(Bulletin.week_start.desc())
                         .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return BulletinPage(total=total, page=page, pages=pages,
                        cards=[BulletinCard(**_card(r, answers, cutoff)) for r in rows])


class WeekCard(BaseModel):
    """A défi's bulletin in a week of the promotion."""

    name: str
    mood: int
    priority: str
    ups_downs: str


class WeekPage(Paged):
    cards: list[WeekCard]


def week_bulletin_page(actor: Actor, promotion_id: int, iso_year: int, iso_week: int, page: int = 1,
                       now: dt.datetime | None = None) -> WeekPage:
    """One page of a week's bulletins of the promotion that the actor may read, by défi name,
    counted and sliced in SQL."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        query = (select(Defi.name, Bulletin.mood, Bulletin.priority, Bulletin.ups_downs)
                 .join(Defi, Defi.id == Bulletin.defi_id)
                 .where(Defi.promotion_id == promotion_id, Bulletin.iso_year == iso_year,
                        Bulletin.iso_week == iso_week, promotion_clause(s, actor, promotion, now)))
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page, pages = _page_of(total, page)
        rows = s.execute(query.order_by(Defi.name, Defi.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return WeekPage(total=total, page=page, pages=pages, cards=[WeekCard(**r._mapping) for r in rows])


def export_csv(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> bytes:
    """The défi's readable bulletins as CSV (semicolons and a BOM: French spreadsheets)."""
    df = defi_bulletins(actor, defi_id, now).sort_values("week_start")
    # Dates as every page shows them (a French spreadsheet reads 09/11/2026 as a date).
    df["week_start"], df["key_date"] = df["week_start"].map(formats.date), df["key_date"].map(
        lambda d: formats.date(d) if isinstance(d, dt.date) else "")
    headers = ["week", "week_start", "mood", "priority", "ups_downs", "help_request", "help_status",
               "help_answer", "key_date", "key_date_description"]
    rows = (["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row]
            for row in df[headers].itertuples(index=False))
    return csv_bytes([t(f"bulletin.csv.{h}") for h in headers], rows, delimiter=";")


# --- Trends --------------------------------------------------------------------------------


WEEK_COLUMNS = ["week_start", "week", "programme_week", "phase", "clock", "in_progress"]


def _weeks(promotion: Promotion, windows: list, last: dt.date, now: dt.datetime) -> pd.DataFrame:
    """One row per week of the programme up to `last` (a Monday): calendar, programme clock,
    and whether the week is still in progress (before its deadline, see `in_progress_week`)."""
    start, end = programme_start(promotion), min(last, programme_end(promotion))
    open_week = in_progress_week(promotion, now)
    rows, monday = [], start
    while monday <= end:
        clock = programme_clock(promotion, windows, monday)
        rows.append({"week_start": monday, "week": week_label(*iso_week_of(monday)), "programme_week": clock.week,
                     "phase": clock.phase, "clock": clock.label, "in_progress": monday == open_week})
        monday += WEEK
    return pd.DataFrame(rows, columns=WEEK_COLUMNS).astype({"in_progress": bool})


def _last_visible_week(promotion: Promotion, now: dt.datetime, sees_unpublished: bool) -> dt.date:
    if sees_unpublished:
        return week_monday(*current_week(promotion, now))
    return published_until(promotion, now)


def _promotion_weeks(s: Session, actor: Actor, promotion_id: int,
                     now: dt.datetime) -> tuple[ColumnElement[bool], pd.DataFrame]:
    """What the actor reads of a promotion's bulletins (a where clause) and its programme weeks
    up to the last one the actor sees: the frame of the heatmap and the participation."""
    promotion = load_promotion(s, promotion_id)
    weeks = _weeks(promotion, phase_windows(s, promotion), _last_visible_week(promotion, now, staff(actor)), now)
    return promotion_clause(s, actor, promotion, now), weeks


def mood_trend(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """The défi's mood per programme week; weeks without a bulletin are NaN (gaps)."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = promotion_of_defi(s, defi_id)
        clause, cap = readable_clause(s, actor, defi_id, promotion, now)
        weeks = _weeks(promotion, phase_windows(s, promotion),
                       _last_visible_week(promotion, now, allowed(cap, Action.READ_BULLETIN_UNPUBLISHED)), now)
        moods = dict(s.execute(select(Bulletin.week_start, Bulletin.mood)
                               .where(Bulletin.defi_id == defi_id, clause)).all())
    weeks["mood"] = [float(moods[w]) if w in moods else float("nan") for w in weeks["week_start"]]
    weeks["filed"] = weeks["mood"].notna()
    return weeks


def streaks(trend: pd.DataFrame) -> dict[str, int]:
    """Participation of a défi over its closed weeks: weeks filed, weeks of the programme so
    far, the longest and the current run of consecutive filed weeks. The week in progress is
    not in the rate; it extends the runs once filed and breaks nothing before its deadline."""
    if trend.empty:
        return {"filed": 0, "weeks": 0, "longest": 0, "current": 0}
    closed = trend[~trend["in_progress"]]
    items = [bool(f) for f, open_ in zip(trend["filed"], trend["in_progress"], strict=True) if f or not open_]
    longest = run = 0
    for f in items:
        run = run + 1 if f else 0
        longest = max(longest, run)
    current = 0
    for f in reversed(items):
        if not f:
            break
        current += 1
    return {"filed": int(closed["filed"].sum()), "weeks": len(closed), "longest": longest, "current": current}


def promotion_heatmap(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """Mood per défi and week (long form): one row per défi × programme week, NaN when missing."""
    now = now or now_utc()
    with db.reading() as s:
        clause, weeks = _promotion_weeks(s, actor, promotion_id, now)
        defis = s.execute(select(Defi.id, Defi.name).where(Defi.promotion_id == promotion_id)
                          .order_by(Defi.name)).all()
        cells = {(d, w): m for d, w, m in s.execute(
            select(Bulletin.defi_id, Bulletin.week_start, Bulletin.mood).join(Defi, Defi.id == Bulletin.defi_id)
            .where(Defi.promotion_id == promotion_id, clause))}
    records = weeks.to_dict("records")
    rows = [{"defi": name, **week, "mood": cells.get((defi_id, week["week_start"]))}
            for defi_id, name in defis for week in records]
    df = pd.DataFrame(rows, columns=["defi", *weeks.columns, "mood"])
    df["mood"] = df["mood"].astype(float)
    return df


def participation(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """Per week: bulletins filed, défis in the promotion, rate (counted in SQL); the week in
    progress has its count so far and no rate (NaN)."""
    now = now or now_utc()
    with db.reading() as s:
        clause, weeks = _promotion_weeks(s, actor, promotion_id, now)
        total = s.scalar(select(func.count()).select_from(Defi).where(Defi.promotion_id == promotion_id)) or 0
        counts = dict(s.execute(
            select(Bulletin.week_start, func.count(func.distinct(Bulletin.defi_id)))
            .join(Defi, Defi.id == Bulletin.defi_id)
            .where(Defi.promotion_id == promotion_id, clause).group_by(Bulletin.week_start)).all())
    weeks["filed"] = [int(counts.get(w, 0)) for w in weeks["week_start"]]
    weeks["defis"] = total
    weeks["rate"] = weeks["filed"] / total if total else 0.0
    # The week in progress has no rate yet: a Monday's 1 filed out of 12 is no alarm.
    weeks["rate"] = weeks["rate"].astype(float).mask(weeks["in_progress"])
    return weeks


def mood_by_phase(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """How many bulletins of each mood in each phase (the défi's own phase windows), in SQL."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        clause = promotion_clause(s, actor, promotion, now)
        rows = s.execute(
            select(PhaseTemplate.number, PhaseTemplate.name, Bulletin.mood, func.count())
            .join(Defi, Defi.id == Bulletin.defi_id)
            .join(DefiPhase, and_(DefiPhase.defi_id == Bulletin.defi_id, DefiPhase.planned_start <= Bulletin.week_start,
                                  DefiPhase.planned_end > Bulletin.week_start))
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(Defi.promotion_id == promotion_id, clause)
            .group_by(PhaseTemplate.number, PhaseTemplate.name, Bulletin.mood)
            .order_by(PhaseTemplate.number, Bulletin.mood)).all()
    return pd.DataFrame([{"phase": f"{n}. {name}", "number": n, "mood": m, "count": c}
                         for n, name, m, c in rows], columns=["phase", "number", "mood", "count"])


class OpenWeek(BaseModel):
    """The week in progress of a promotion, as the trends' note names it."""

    week_start: dt.date
    label: str
    deadline: str  # « vendredi 27/11/2026 à 15:00 », local time


def open_week(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> OpenWeek | None:
    """The promotion's week in progress (None once its deadline has passed)."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        monday = in_progress_week(promotion, now)
        if monday is None:
            return None
        year, week = iso_week_of(monday)
        return OpenWeek(week_start=monday, label=week_label(year, week),
                        deadline=formats.moment(deadline_of(promotion, year, week), promotion.timezone))


def clock_now(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> ProgrammeClock:
    """Today on the programme clock of the promotion."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        return programme_clock(promotion, phase_windows(s, promotion), week_monday(*current_week(promotion, now)))
