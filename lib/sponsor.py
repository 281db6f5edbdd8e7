"""The sponsor's view: each défi a sponsor or porteur follows, on one screen (phase timeline,
progress, mood trend, the last published committee ratings, indicators against their
targets, upcoming key dates, and what the team needs from them), and its one-page HTML
export they can forward.

Built from the services of each concept, which check the matrix themselves; only published
committee reports are read (`committees.latest_published_report`), never drafts.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select

from lib import bulletins, committees, db, formats, help_requests, indicators, key_dates, phases, portfolio
from lib.clock import now_utc
from lib.committees import ReportInfo
from lib.dossier import KeyDateItem
from lib.errors import NotFound
from lib.html_export import document, e, embed, fmt_date, fmt_value, table
from lib.i18n import t
from lib.indicators import IndicatorView
from lib.models import Administration, Defi, DefiRole, HelpStatus, Membership, Promotion
from lib.permissions import Action, Actor, require
from lib.phases import PhaseView
from lib.programme import MOOD_EMOJI

MOOD_WEEKS = 12  # the trend a sponsor reads: the last quarter
KEY_DATES_SHOWN = 5
FOLLOWERS = (DefiRole.PORTEUR, DefiRole.SPONSOR)  # whose home is this view
RATINGS = ["objectives", "entrepreneuriat", "innovation", "transformation"]


class MoodPoint(BaseModel):
    week_start: dt.date
    week: str
    clock: str
    mood: float | None  # None: no bulletin that week


class Need(BaseModel):
    """Something the team waits for: an open help request, or a committee action
    carried by a porteur or sponsor of the défi."""

    kind: str  # "help" or "action"
    text: str
    detail: str
    overdue: bool = False


class DefiBrief(BaseModel):
    defi_id: int
    defi: str
    administration: str
    my_role: DefiRole | None
    today: dt.date
    phases: list[PhaseView]
    moods: list[MoodPoint]
    report: ReportInfo | None
    indicators: list[IndicatorView]
    key_dates: list[KeyDateItem]
    needs: list[Need]

    @property
    def current_phase(self) -> PhaseView | None:
        """The phase whose window holds today (validated early or not), else none."""
        return next((p for p in self.phases if p.planned_start <= self.today < p.planned_end), None)

    @property
    def validated(self) -> int:
        return sum(p.state == "validee" for p in self.phases)


class SponsorView(BaseModel):
    promotion: str
    viewer: str
    generated_at: dt.datetime
    briefs: list[DefiBrief]


def defi_brief(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> DefiBrief:
    """One défi on one screen, as the actor may read it (its team, sponsors and porteurs,
    and the coaches)."""
    now = now or now_utc()
    with db.reading() as s:
        require(s, actor, Action.READ_INDICATORS, defi_id)
        my_role = select(Membership.role).where(Membership.defi_id == Defi.id,
                                                Membership.user_id == actor.id).scalar_subquery()
        row = s.execute(
            select(Defi.name, Administration.name, Defi.promotion_id, Promotion.timezone, my_role)
            .join(Administration, Administration.id == Defi.administration_id)
            .join(Promotion, Promotion.id == Defi.promotion_id).where(Defi.id == defi_id)).first()
        if row is None:
            raise NotFound(t("error.not_found"))
        name, administration, promotion_id, tz, role = row
        defi_indicators = indicators.views(s, [defi_id])[defi_id]
    today = now.astimezone(ZoneInfo(tz)).date()
    trend = bulletins.mood_trend(actor, defi_id, now).tail(MOOD_WEEKS)
    moods = [MoodPoint(week_start=r.week_start, week=r.week, clock=r.clock,
                       mood=None if pd.isna(r.mood) else float(r.mood)) for r in trend.itertuples(index=False)]
    dates = key_dates.key_dates(actor, promotion_id, defi_id, now=now)
    upcoming = [KeyDateItem(on_date=r.on_date, description=r.description)
                for r in dates[dates["upcoming"]].head(KEY_DATES_SHOWN).itertuples(index=False)]
    return DefiBrief(defi_id=defi_id, defi=name, administration=administration, my_role=role, today=today,
                     phases=phases.defi_phases(actor, defi_id, today), moods=moods,
                     report=committees.latest_published_report(actor, defi_id), indicators=defi_indicators,
                     key_dates=upcoming, needs=_needs(actor, defi_id, now, today))


def _needs(actor: Actor, defi_id: int, now: dt.datetime, today: dt.date) -> list[Need]:
    """The défi's unresolved help requests, then the open actions its porteurs and sponsors carry."""
    out = []
    tickets = help_requests.defi_tickets(actor, defi_id, now)
    for r in tickets[tickets["status"] != HelpStatus.RESOLVED.value].itertuples(index=False):
        detail = t("sponsor.need.help_detail", week=r.week, status=r.status_label, days=r.age_days)
        if r.assignee:
            detail += " · " + t("sponsor.need.help_assignee", who=r.assignee)
        out.append(Need(kind="help", text=r.request, detail=detail))
    followers = {p.id for p in committees.defi_people(actor, defi_id) if p.role in FOLLOWERS}
    for a in committees.defi_actions(actor, defi_id, today, open_only=True):
        if a.owner_id in followers:
            out.append(Need(kind="action", text=a.description, overdue=a.overdue,
                            detail=t("sponsor.need.action_detail", who=a.owner, due=formats.date(a.due_on),
                                     number=a.phase_number)))
    return out


def my_view(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> SponsorView:
    """Every défi of the promotion the actor follows as porteur or sponsor, one brief each."""
    now = now or now_utc()
    followed = [d for d in portfolio.defis_for(actor, promotion_id) if d.my_role in FOLLOWERS]
    promotion = next((p for p in portfolio.promotions_for(actor) if p.id == promotion_id), None)
    return SponsorView(promotion=promotion.name if promotion else "", viewer=actor.display_name, generated_at=now,
                       briefs=[defi_brief(actor, d.id, now) for d in followed])


# --- Tables: the charts' data and their text alternative -------------------------------------------


def moods_table(brief: DefiBrief) -> pd.DataFrame:
    """The weekly moods of the trend; a week without a bulletin has no mood."""
    return pd.DataFrame([m.model_dump() for m in brief.moods], columns=["week_start", "week", "clock", "mood"])


def mood_label(mood: float | None) -> str:
    """« 😐 mitigée », or that no bulletin was filed that week."""
    if mood is None or pd.isna(mood):
        return t("sponsor.mood.missing")
    return f"{MOOD_EMOJI[int(mood)]} {t(f'bulletin.mood.{int(mood)}')}"


def ratings_table(report: ReportInfo) -> pd.DataFrame:
    """The committee's four ratings (1-4) in words."""
    rows = []
    for key in RATINGS:
        value = getattr(report, f"{key}_rating")
        rows.append({"criterion": t(f"sponsor.rating.{key}"),
                     "rating": t(f"committees.rating.{value}") if value else t("sponsor.rating.none")})
    return pd.DataFrame(rows, columns=["criterion", "rating"])


# --- One-page export ---------------------------------------------------------------------------------


def view_html(view: SponsorView) -> str:
    """The whole view as one self-contained HTML page a sponsor can forward: every chart
    embedded with its table beside it, every piece of user text escaped."""
    from lib.charts.indicators import progress_chart
    from lib.charts.phases import defi_gantt
    from lib.charts.retro import mood_line

    figures, tables = [], {}
    for b in view.briefs:
        tables[b.defi_id] = indicators.indicators_table(b.indicators)
        if b.phases:
            figures.append((f"phases-{b.defi_id}", defi_gantt(b.phases, b.today)))
        if any(m.mood is not None for m in b.moods):
            figures.append((f"mood-{b.defi_id}", mood_line(moods_table(b))))
        if tables[b.defi_id]["progress"].notna().any():
            figures.append((f"indicators-{b.defi_id}", progress_chart(tables[b.defi_id])))
    charts = embed(figures)

    title = t("sponsor.export.title", promotion=view.promotion)
    parts = [f"<h1>{e(title)}</h1>",
             f"<p class='meta'>{e(t('sponsor.export.meta', who=view.viewer, at=fmt_date(view.generated_at)))}</p>"]
    if not view.briefs:
        parts.append(f"<p>{e(t('sponsor.empty'))}</p>")
    for b in view.briefs:
        parts.append(f"<section class='defi'><h2>{e(b.defi)}</h2><p class='meta'>{e(b.administration)}"
                     + (f" · {e(t('home.your_role', role=t(f'defi_role.{b.my_role.value}')))}" if b.my_role else "")
                     + "</p>")
        parts.append(f"<p>{e(progress_line(b))}</p>")
        parts.append(charts.get(f"phases-{b.defi_id}", ""))
        if b.phases:
            progress = phases.progress_table(b.phases)
            parts.append(table([t("col.phase"), t("col.start"), t("col.end"), t("col.state"),
                                t("sponsor.col.objectives")],
                               [[p.phase, fmt_date(v.planned_start), fmt_date(v.planned_end), p.etat,
                                 f"{p.faits} / {p.total}"]
                                for p, v in zip(progress.itertuples(index=False), b.phases, strict=True)]))

        parts.append(f"<h3>{e(t('sponsor.section.mood'))}</h3>")
        if f"mood-{b.defi_id}" in charts:
            parts.append(charts[f"mood-{b.defi_id}"])
            parts.append(table([t("sponsor.col.week"), t("sponsor.col.mood")],
                               [[f"{m.week} · {m.clock}", mood_label(m.mood)] for m in b.moods]))
        else:
            parts.append(f"<p>{e(t('sponsor.empty.mood'))}</p>")

        parts.append(f"<h3>{e(t('sponsor.section.committee'))}</h3>")
        if b.report:
            parts.append(f"<p>{e(report_line(b.report))}</p>")
            ratings = ratings_table(b.report)
            parts.append(table([t("sponsor.col.criterion"), t("sponsor.col.rating")], ratings.values.tolist()))
        else:
            parts.append(f"<p>{e(t('sponsor.empty.committee'))}</p>")

        parts.append(f"<h3>{e(t('sponsor.section.indicators'))}</h3>")
        parts.append(charts.get(f"indicators-{b.defi_id}", ""))
        if b.indicators:
            parts.append(table([t("indicators.col.theme"), t("indicators.col.name"), t("indicators.col.baseline"),
                                t("indicators.col.latest"), t("indicators.col.target"), t("indicators.col.progress")],
                               [_indicator_row(i) for i in b.indicators]))
        else:
            parts.append(f"<p>{e(t('sponsor.empty.indicators'))}</p>")

        parts.append(f"<h3>{e(t('sponsor.section.key_dates'))}</h3>")
        parts.append(table([t("keydates.col.date"), t("keydates.col.description")],
                           [[fmt_date(k.on_date), k.description] for k in b.key_dates])
                     if b.key_dates else f"<p>{e(t('sponsor.empty.key_dates'))}</p>")

        parts.append(f"<h3>{e(t('sponsor.section.needs'))}</h3>")
        parts.append("<ul>" + "".join(f"<li><strong>{e(t(f'sponsor.need.{n.kind}'))}</strong> · {e(n.text)}"
                                      f"<br><span class='meta'>{e(n.detail)}</span>"
                                      + (f" <strong class='late'>{e(t('committees.actions.overdue'))}</strong>"
                                         if n.overdue else "") + "</li>" for n in b.needs) + "</ul>"
                     if b.needs else f"<p>{e(t('sponsor.empty.needs'))}</p>")
        parts.append("</section>")
    return document(title, parts, extra_css=_CSS)


def _indicator_row(i: IndicatorView) -> list[str]:
    latest = i.latest
    return [i.theme_label, i.name, fmt_value(i.baseline, i.unit),
            fmt_value(latest.value, i.unit, latest.measured_on) if latest else "—", fmt_value(i.target, i.unit),
            "—" if i.progress is None else formats.percent(i.progress, 0)]


def progress_line(b: DefiBrief) -> str:
    """Where the défi stands, in one sentence."""
    current = b.current_phase
    if current is None:
        return t("sponsor.progress.none", validated=b.validated, total=len(b.phases))
    return t("sponsor.progress.line", number=current.number, name=current.name,
             state=t(f"phase_state.{current.state}"), done=current.objectives_done, total=len(current.objectives),
             time=round(current.time_elapsed * 100), validated=b.validated, phases=len(b.phases))


def report_line(report: ReportInfo) -> str:
    return t("sponsor.report_line", number=report.phase_number, name=report.phase_name,
             at=fmt_date(report.published_at))


_CSS = """
section.defi { page-break-after: always; margin-bottom: 2.5rem; } .late { color: #E1000F; }
h3 { color: #000091; margin-top: 1.2rem; }
"""
