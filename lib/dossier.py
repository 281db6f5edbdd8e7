"""The committee dossier: for one défi and one phase, everything the committee should
have read, assembled from the data (aggregated in SQL on the models directly): the
window's mood and participation, help requests and how they ended, the journal by
category with its good and bad news, key dates, the previous committee's actions and
the indicators' movement. Exportable as one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from lib import bulletins, clock, db, formats
from lib.clock import now_utc, week_monday
from lib.committees import ActionInfo, action_rows
from lib.documents import embed, fmt_date, fmt_value, render
from lib.errors import NotFound
from lib.i18n import t
from lib.models import (
    Administration,
    Bulletin,
    Category,
    Committee,
    CommitteeAction,
    Defi,
    DefiPhase,
    HelpRequest,
    Indicator,
    JournalEntry,
    JournalEntryCategory,
    KeyDate,
    Measurement,
    PhaseTemplate,
    Promotion,
    User,
)
from lib.permissions import Action, Actor, require
from lib.programme import CATEGORY_LABELS, mood_label

KEY_DATES_AHEAD = dt.timedelta(days=60)  # upcoming milestones the committee should know about
NEWS_LIMIT = 40


class MoodWeek(BaseModel):
    week_start: dt.date
    mood: int


class HelpItem(BaseModel):
    week_start: dt.date
    request: str
    status: str
    answer: str
    assignee: str | None
    resolved_at: dt.datetime | None


class CategoryCount(BaseModel):
    category: str
    label: str
    entries: int
    good: int
    bad: int


class NewsItem(BaseModel):
    done_on: dt.date
    livrable: str
    tache: str
    news: int


class KeyDateItem(BaseModel):
    on_date: dt.date
    description: str


class IndicatorMove(BaseModel):
    name: str
    theme: str
    unit: str
    target: float | None
    start_on: dt.date | None
    start_value: float | None
    end_on: dt.date | None
    end_value: float | None

    @property
    def delta(self) -> float | None:
        if self.start_value is None or self.end_value is None:
            return None
        return self.end_value - self.start_value


class Dossier(BaseModel):
    defi_id: int
    defi: str
    administration: str
    promotion: str
    phase_number: int
    phase_name: str
    start: dt.date
    end: dt.date
    today: dt.date
    generated_at: dt.datetime
    committee_at: dt.datetime | None
    moods: list[MoodWeek]
    mood_average: float | None
    weeks_expected: int
    weeks_filed: int
    help_requests: list[HelpItem]
    categories: list[CategoryCount]
    journal_entries: int
    news: list[NewsItem]
    key_dates: list[KeyDateItem]
    previous_phase: int | None
    previous_actions: list[ActionInfo]
    indicators: list[IndicatorMove]

    @property
    def overdue_actions(self) -> int:
        return sum(a.overdue for a in self.previous_actions)


def _mondays(start: dt.date, end: dt.date, last: dt.date | None) -> list[dt.date]:
    """Mondays of the ISO weeks of the window that are closed (up to `last`, the latest closed
    week): the week in progress is not due yet (clock.in_progress_week)."""
    monday = week_monday(*start.isocalendar()[:2])
    out = []
    while monday < end and last is not None and monday <= last:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


def committee_dossier(actor: Actor, defi_phase_id: int, now: dt.datetime | None = None) -> Dossier:
    """The dossier of one phase of one défi, as of `now` (the team and the coaches read it)."""
    now = now or now_utc()
    with db.reading() as s:
        row = s.execute(
            select(DefiPhase, PhaseTemplate.number, PhaseTemplate.name, Defi.name, Administration.name,
                   Promotion.name, Promotion.timezone)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .join(Defi, Defi.id == DefiPhase.defi_id).join(Promotion, Promotion.id == Defi.promotion_id)
            .join(Administration, Administration.id == Defi.administration_id)
            .where(DefiPhase.id == defi_phase_id)).first()
        if row is None:
            raise NotFound(t("error.not_found"))
        phase, number, phase_name, defi_name, administration, promotion, tz = row
        defi_id = phase.defi_id
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        require(s, actor, Action.READ_JOURNAL, defi_id)
        today = now.astimezone(ZoneInfo(tz)).date()
        start, end = phase.planned_start, phase.planned_end
        committee_at = s.scalar(select(Committee.scheduled_at).where(Committee.defi_phase_id == phase.id))

        promotion_row = bulletins.promotion_of_defi(s, defi_id)
        # Porteurs and sponsors read the dossier, but a week's bulletins only once published.
        readable, _ = bulletins.readable_clause(s, actor, defi_id, promotion_row, now)
        in_window = and_(Bulletin.defi_id == defi_id, Bulletin.week_start >= week_monday(*start.isocalendar()[:2]),
                         Bulletin.week_start < end, readable)
        moods = [MoodWeek(week_start=w, mood=m) for w, m in s.execute(
            select(Bulletin.week_start, Bulletin.mood).where(in_window).order_by(Bulletin.week_start))]
        mood_average = s.scalar(select(func.avg(Bulletin.mood)).where(in_window))
        expected = _mondays(start, end, clock.published_until(promotion_row, now))
        filed = s.scalar(select(func.count()).select_from(Bulletin).where(
            in_window, Bulletin.week_start.in_(expected or [dt.date.min]))) or 0

        assignee = aliased(User)
        help_requests = [HelpItem(week_start=w, request=r, status=st.value, answer=a or "", assignee=who,
                                  resolved_at=res)
                         for w, r, st, a, who, res in s.execute(
                             select(Bulletin.week_start, Bulletin.help_request, HelpRequest.status, HelpRequest.answer,
                                    assignee.display_name, HelpRequest.resolved_at)
                             .join(HelpRequest, HelpRequest.bulletin_id == Bulletin.id)
                             .outerjoin(assignee, assignee.id == HelpRequest.assignee_id)
                             .where(in_window).order_by(Bulletin.week_start))]

        entry_window = and_(JournalEntry.defi_id == defi_id, JournalEntry.done_on >= start, JournalEntry.done_on < end)
        categories = [CategoryCount(category=c.value, label=CATEGORY_LABELS[Category(c)], entries=n, good=g or 0,
                                    bad=b or 0)
                      for c, n, g, b in s.execute(
                          select(JournalEntryCategory.category, func.count(),
                                 func.sum(case((JournalEntry.news == 1, 1), else_=0)),
                                 func.sum(case((JournalEntry.news == -1, 1), else_=0)))
                          .join(JournalEntry, JournalEntry.id == JournalEntryCategory.entry_id).where(entry_window)
                          .group_by(JournalEntryCategory.category).order_by(JournalEntryCategory.category))]
        journal_entries = s.scalar(select(func.count()).select_from(JournalEntry).where(entry_window)) or 0
        news = [NewsItem(done_on=d, livrable=lv, tache=ta, news=n) for d, lv, ta, n in s.execute(
            select(JournalEntry.done_on, JournalEntry.livrable, JournalEntry.tache, JournalEntry.news)
            .where(entry_window, JournalEntry.news != 0).order_by(JournalEntry.done_on.desc()).limit(NEWS_LIMIT))]

        key_dates = [KeyDateItem(on_date=d, description=x) for d, x in s.execute(
            select(KeyDate.on_date, KeyDate.description)
            .outerjoin(Bulletin, Bulletin.id == KeyDate.bulletin_id)
            .where(KeyDate.defi_id == defi_id, or_(KeyDate.bulletin_id.is_(None), readable),
                   KeyDate.on_date >= start, KeyDate.on_date < end + KEY_DATES_AHEAD)
            .order_by(KeyDate.on_date))]

        previous = s.execute(
            select(Committee.id, PhaseTemplate.number).join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(DefiPhase.defi_id == defi_id, PhaseTemplate.number < number)
            .order_by(PhaseTemplate.number.desc()).limit(1)).first()
        previous_actions = (action_rows(s, CommitteeAction.committee_id == previous[0], today=today)
                            if previous else [])

        indicators = _indicator_moves(s, defi_id, start, end)
    return Dossier(
        defi_id=defi_id, defi=defi_name, administration=administration, promotion=promotion, phase_number=number,
        phase_name=phase_name, start=start, end=end, today=today, generated_at=now, committee_at=committee_at,
        moods=moods, mood_average=float(mood_average) if mood_average is not None else None,
        weeks_expected=len(expected), weeks_filed=filed, help_requests=help_requests, categories=categories,
        journal_entries=journal_entries, news=news, key_dates=key_dates,
        previous_phase=previous[1] if previous else None, previous_actions=previous_actions, indicators=indicators)


def _indicator_moves(s: Session, defi_id: int, start: dt.date, end: dt.date) -> list[IndicatorMove]:
    """Each indicator's last value on or before the window's start (or its first value in
    the window) and its last value in the window, found with grouped subqueries."""
    # Each subquery reads this défi's measurements only, not the whole programme's.
    mine = Measurement.indicator_id.in_(select(Indicator.id).where(Indicator.defi_id == defi_id))
    baseline_on = (select(Measurement.indicator_id, func.max(Measurement.measured_on).label("on"))
                   .where(mine, Measurement.measured_on <= start).group_by(Measurement.indicator_id).subquery())
    first_on = (select(Measurement.indicator_id, func.min(Measurement.measured_on).label("on"))
                .where(mine, Measurement.measured_on > start, Measurement.measured_on < end)
                .group_by(Measurement.indicator_id).subquery())
    last_on = (select(Measurement.indicator_id, func.max(Measurement.measured_on).label("on"))
               .where(mine, Measurement.measured_on < end).group_by(Measurement.indicator_id).subquery())
    base_m, first_m, last_m = aliased(Measurement), aliased(Measurement), aliased(Measurement)
    rows = s.execute(
        select(Indicator.name, Indicator.theme, Indicator.unit, Indicator.target,
               baseline_on.c.on, base_m.value, first_on.c.on, first_m.value, last_on.c.on, last_m.value)
        .outerjoin(baseline_on, baseline_on.c.indicator_id == Indicator.id)
        .outerjoin(base_m, and_(base_m.indicator_id == Indicator.id, base_m.measured_on == baseline_on.c.on))
        .outerjoin(first_on, first_on.c.indicator_id == Indicator.id)
        .outerjoin(first_m, and_(first_m.indicator_id == Indicator.id, first_m.measured_on == first_on.c.on))
        .outerjoin(last_on, last_on.c.indicator_id == Indicator.id)
        .outerjoin(last_m, and_(last_m.indicator_id == Indicator.id, last_m.measured_on == last_on.c.on))
        .where(Indicator.defi_id == defi_id).order_by(Indicator.theme, Indicator.name)).all()
    out = []
    for name, theme, unit, target, b_on, b_val, f_on, f_val, l_on, l_val in rows:
        start_on, start_value = (b_on, b_val) if b_on is not None else (f_on, f_val)
        out.append(IndicatorMove(name=name, theme=theme.value, unit=unit, target=target, start_on=start_on,
                                 start_value=start_value, end_on=l_on, end_value=l_val))
    return out


# --- Tables (the charts' data, and their text alternative) --------------------------------------


def moods_frame(d: Dossier) -> pd.DataFrame:
    return pd.DataFrame([m.model_dump() for m in d.moods], columns=["week_start", "mood"])


def categories_frame(d: Dossier) -> pd.DataFrame:
    return pd.DataFrame([c.model_dump() for c in d.categories], columns=["category", "label", "entries", "good", "bad"])


def _pct(value: float | None, target: float | None) -> float | None:
    return round(100 * value / target, 1) if value is not None and target else None


def indicators_frame(d: Dossier) -> pd.DataFrame:
    rows = []
    for i in d.indicators:
        rows.append({"name": i.name, "unit": i.unit, "target": i.target, "start_on": i.start_on,
                     "start_value": i.start_value, "end_on": i.end_on, "end_value": i.end_value, "delta": i.delta,
                     "start_pct": _pct(i.start_value, i.target), "end_pct": _pct(i.end_value, i.target)})
    return pd.DataFrame(rows, columns=["name", "unit", "target", "start_on", "start_value", "end_on", "end_value",
                                       "delta", "start_pct", "end_pct"])


# --- Self-contained HTML export --------------------------------------------------------------------


def dossier_html(d: Dossier) -> str:
    """The dossier as one HTML file a coach can send: plotly.js inlined once, every chart
    embedded, every piece of user text escaped (lib/templates/dossier.html)."""
    from lib.charts import phases as charts

    figures = []
    if d.moods:
        figures.append(("mood", charts.mood_trend(moods_frame(d))))
    if d.categories:
        figures.append(("journal", charts.journal_categories(categories_frame(d))))
    indicators = indicators_frame(d)
    if not indicators.empty and indicators["end_pct"].notna().any():
        figures.append(("indicators", charts.indicator_movement(indicators)))
    rows = {
        "moods": [[fmt_date(m.week_start), mood_label(m.mood)] for m in d.moods],
        "help": [[fmt_date(h.week_start), h.request, t(f"dossier.help.{h.status}"), h.answer]
                 for h in d.help_requests],
        "categories": [[f"{c.category} · {c.label}", c.entries, c.good, c.bad] for c in d.categories],
        "key_dates": [[fmt_date(k.on_date), k.description] for k in d.key_dates],
        "actions": [[a.description, a.owner, fmt_date(a.due_on), t(f"action_status.{a.status.value}")
                     + (f" · ⚠️ {t('committees.actions.overdue')}" if a.overdue else "")]
                    for a in d.previous_actions],
        "indicators": [[i.name, fmt_value(i.start_value, i.unit, i.start_on), fmt_value(i.end_value, i.unit, i.end_on),
                        fmt_value(i.target, i.unit)] for i in d.indicators],
    }
    news = [(key, [n for n in d.news if n.news == sign]) for sign, key in ((1, "dossier.good_news"),
                                                                         (-1, "dossier.bad_news"))]
    return render("dossier.html", title=t("dossier.title", defi=d.defi, number=d.phase_number, phase=d.phase_name),
                  d=d, charts=embed(figures), rows=rows, news=news,
                  mood_average=formats.decimal(d.mood_average))
