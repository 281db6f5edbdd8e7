"""The sponsor's view: each défi a sponsor or porteur follows, on one screen (phase timeline,
progress, mood trend, the last published committee ratings, indicators against their
targets, upcoming key dates, and what is asked of the reader themself), each défi's verdict
in plain words from the portfolio's risk rules, and its printable one-page HTML export.

Built from the services of each concept, which check the matrix themselves; only published
committee reports are read (`committees.latest_published_report`), never drafts.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import bulletins, committees, db, formats, indicators, key_dates, phases, portfolio, risk
from lib.bulletins import load_promotion
from lib.charts import svg
from lib.clock import due_in_words, local_today, now_utc, programme_end, programme_start
from lib.committees import ReportInfo
from lib.documents import fmt_date, fmt_value, render
from lib.dossier import KeyDateItem
from lib.errors import NotFound
from lib.exports import inert
from lib.i18n import t
from lib.indicators import IndicatorView
from lib.models import (
    Administration,
    Committee,
    CommitteeParticipant,
    Defi,
    DefiPhase,
    DefiRole,
    Membership,
    PhaseTemplate,
    Promotion,
)
from lib.permissions import Action, Actor, require
from lib.phases import PhaseView

MOOD_WEEKS = 12  # the trend a sponsor reads: the last quarter
KEY_DATES_SHOWN = 5
REPORT_NEW_DAYS = 14  # a report published this recently is news on the porteur's home
COMMITTEES_PAGE = "pages/committees.py"  # where actions are updated and committees read
# The verdict follows the portfolio's rules but for the monthly carnets, which sponsors and
# porteurs do not read (docs/design.md, Permissions: carnet.read).
FOLLOWER_RULES = [(key, rule) for key, rule in risk.RULES if key != "carnets"]
FOLLOWERS = (DefiRole.PORTEUR, DefiRole.SPONSOR)  # whose home is this view
RATINGS = ["objectives", "entrepreneuriat", "innovation", "transformation"]


class MoodPoint(BaseModel):
    week_start: dt.date
    week: str
    clock: str
    mood: float | None  # None: no bulletin that week


class Verdict(BaseModel):
    """Where the défi stands, in one line of plain words, from the portfolio's risk rules."""

    level: str  # a risk level (risk.LEVELS), or "" when the programme is not running
    text: str


class Ask(BaseModel):
    """Something asked of the reader themself: an action they own, a committee they are
    invited to, a report just published for them to read (porteurs)."""

    kind: str  # "action", "committee" or "report"
    text: str  # an action's description is user text
    when: str  # in words: « d'ici vendredi », « en retard de 3 jours »
    overdue: bool = False
    page: str | None = None  # where it is done, when there is such a page


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
    verdict: Verdict
    asks: list[Ask]

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


def defi_brief(actor: Actor, defi_id: int, now: dt.datetime | None = None,
               verdicts: dict[int, Verdict] | None = None) -> DefiBrief:
    """One défi on one screen, as the actor may read it (its team, sponsors and porteurs,
    and the coaches). `verdicts`: the défi's among others, when the caller already has them."""
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
        if verdicts is None or defi_id not in verdicts:
            verdicts = _verdicts(s, promotion_id, now, [defi_id])
    today = now.astimezone(ZoneInfo(tz)).date()
    trend = bulletins.mood_trend(actor, defi_id, now).tail(MOOD_WEEKS)
    moods = [MoodPoint(week_start=r.week_start, week=r.week, clock=r.clock,
                       mood=None if pd.isna(r.mood) else float(r.mood)) for r in trend.itertuples(index=False)]
    dates = key_dates.key_dates(actor, promotion_id, defi_id, now=now)
    upcoming = [KeyDateItem(on_date=r.on_date, description=r.description)
                for r in dates[dates["upcoming"]].head(KEY_DATES_SHOWN).itertuples(index=False)]
    report = committees.latest_published_report(actor, defi_id)
    return DefiBrief(defi_id=defi_id, defi=name, administration=administration, my_role=role, today=today,
                     phases=phases.defi_phases(actor, defi_id, today), moods=moods, report=report,
                     indicators=defi_indicators, key_dates=upcoming, verdict=verdicts[defi_id],
                     asks=_asks(actor, defi_id, role, report, now, today, tz))


def _verdicts(s: Session, promotion_id: int, now: dt.datetime, defi_ids: list[int]) -> dict[int, Verdict]:
    """Each of these défis of the promotion in one line, from the risk rules a sponsor may read
    (lib/risk.py); before the programme's start and after its end, that it is not running."""
    promotion = load_promotion(s, promotion_id)
    today = local_today(promotion, now)
    signals = risk.collect(s, promotion, now, today, defi_ids)
    if today < programme_start(promotion) or today >= programme_end(promotion):
        key = "sponsor.verdict.before" if today < programme_start(promotion) else "sponsor.verdict.after"
        return {sig.defi_id: Verdict(level="", text=t(key)) for sig in signals}
    out = {}
    for sig in signals:
        assessment = risk.assess(sig, rules=FOLLOWER_RULES)
        text = t(f"sponsor.verdict.{assessment.level}")
        out[sig.defi_id] = Verdict(level=assessment.level,
                                   text=f"{text} : {assessment.text}" if assessment.reasons else text)
    return out


def _asks(actor: Actor, defi_id: int, role: DefiRole | None, report: ReportInfo | None, now: dt.datetime,
          today: dt.date, tz: str) -> list[Ask]:
    """What is asked of the actor themself on the défi: their open actions, the committees
    they are invited to, and for a porteur a report published in the last two weeks. Never
    another person's action, never the EIGs' help requests to the programme."""
    out = [Ask(kind="action", text=a.description, when=due_in_words(a.due_on, now, tz), overdue=a.overdue,
               page=COMMITTEES_PAGE)
           for a in committees.defi_actions(actor, defi_id, today, open_only=True) if a.owner_id == actor.id]
    with db.reading() as s:
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        invited = s.execute(
            select(Committee.scheduled_at, PhaseTemplate.number, PhaseTemplate.name)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .join(CommitteeParticipant, CommitteeParticipant.committee_id == Committee.id)
            .where(DefiPhase.defi_id == defi_id, CommitteeParticipant.user_id == actor.id,
                   Committee.scheduled_at >= now).order_by(Committee.scheduled_at)).all()
    out += [Ask(kind="committee", text=t("sponsor.ask.committee", number=number, name=name),
                when=formats.moment(at, tz), page=COMMITTEES_PAGE) for at, number, name in invited]
    if (role == DefiRole.PORTEUR and report is not None and report.published_at is not None
            and now - report.published_at <= dt.timedelta(days=REPORT_NEW_DAYS)):
        out.append(Ask(kind="report", text=t("sponsor.ask.report", number=report.phase_number,
                                             name=report.phase_name),
                       when=t("sponsor.ask.published", at=fmt_date(report.published_at.astimezone(ZoneInfo(tz)))),
                       page=COMMITTEES_PAGE))
    return out


def my_view(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> SponsorView:
    """Every défi of the promotion the actor follows as porteur or sponsor, one brief each."""
    now = now or now_utc()
    followed = [d for d in portfolio.defis_for(actor, promotion_id) if d.my_role in FOLLOWERS]
    promotion = next((p for p in portfolio.promotions_for(actor) if p.id == promotion_id), None)
    verdicts = None
    if followed:
        with db.reading() as s:  # the followed défis' verdicts at once, in a fixed number of queries
            verdicts = _verdicts(s, promotion_id, now, [d.id for d in followed])
    return SponsorView(promotion=promotion.name if promotion else "", viewer=actor.display_name, generated_at=now,
                       briefs=[defi_brief(actor, d.id, now, verdicts) for d in followed])


# --- Tables: the charts' data and their text alternative -------------------------------------------


def moods_table(brief: DefiBrief) -> pd.DataFrame:
    """The weekly moods of the trend; a week without a bulletin has no mood."""
    return pd.DataFrame([m.model_dump() for m in brief.moods], columns=["week_start", "week", "clock", "mood"])


def ratings_table(report: ReportInfo) -> pd.DataFrame:
    """The committee's four ratings (1-4) in words."""
    rows = []
    for key in RATINGS:
        value = getattr(report, f"{key}_rating")
        rows.append({"criterion": t(f"sponsor.rating.{key}"),
                     "rating": t(f"committees.rating.{value}") if value else t("sponsor.rating.none")})
    return pd.DataFrame(rows, columns=["criterion", "rating"])


# --- One-page export ---------------------------------------------------------------------------------

ASKS_PRINTED = 6  # what fits on the défi's A4 page with the rest
INDICATORS_PRINTED = 5


EXPORT_LABELS = {  # the template's name: the catalogue's key
    "timeline": "section.timeline", "mood": "section.mood", "committee": "section.committee",
    "key_dates": "section.key_dates", "indicators": "section.indicators", "asks": "section.asks",
    "no_mood": "empty.mood", "no_committee": "empty.committee", "no_key_dates": "empty.key_dates",
    "no_indicators": "empty.indicators", "no_asks": "empty.asks", "no_phases": "empty.phases",
    "today": "export.today", "without_target": "export.without_target"}


def view_html(view: SponsorView) -> str:
    """The whole view as one self-contained HTML page a sponsor can forward and print: one
    A4 page per défi, its verdict first, static SVG charts, no script and no network."""
    labels = {name: t(f"sponsor.{key}") for name, key in EXPORT_LABELS.items()}
    return render("sponsor.html",
        title=t("sponsor.export.title", promotion=view.promotion),
        meta=t("sponsor.export.meta", who=view.viewer, at=fmt_date(view.generated_at)),
        empty=t("sponsor.empty"), labels=labels, defis=[_printed(b) for b in view.briefs])


def _printed(b: DefiBrief) -> dict:
    """What the template draws for one défi: texts, chart geometry, capped lists."""
    caption = b.administration
    if b.my_role:
        caption += " · " + t("home.your_role", role=t(f"defi_role.{b.my_role.value}"))
    timeline = svg.timeline([(f"{p.number}. {p.name}", p.planned_start, p.planned_end, p.state,
                              f"{t(f'phase_state.{p.state}')} · {p.objectives_done} / {len(p.objectives)}")
                             for p in b.phases], b.today) if b.phases else None
    mood = (svg.mood([(formats.day_month(m.week_start), m.mood) for m in b.moods],
                     {level: t(f"bulletin.mood.{level}") for level in range(1, 5)})
            if any(m.mood is not None for m in b.moods) else None)
    measured = [i for i in b.indicators if i.progress is not None][:INDICATORS_PRINTED]
    chart = svg.progress([(inert(i.name), _indicator_detail(i), i.progress) for i in measured]) if measured else None
    # User text is never a formula, should the page be opened in a spreadsheet.
    asks = [{"kind": t(f"sponsor.ask.kind.{a.kind}"), "text": inert(a.text), "when": a.when, "overdue": a.overdue}
            for a in b.asks]
    return {"name": b.defi, "caption": caption, "progress": progress_line(b), "verdict": b.verdict,
            "timeline": timeline, "mood": mood, "progress_chart": chart,
            "without_target": [inert(i.name) for i in b.indicators if i.progress is None],
            "report": report_line(b.report) if b.report else None,
            "ratings": ratings_table(b.report).values.tolist() if b.report else [],
            "key_dates": [(fmt_date(k.on_date), inert(k.description)) for k in b.key_dates],
            "asks": asks[:ASKS_PRINTED],
            "more_asks": t("sponsor.export.more_asks", n=len(asks) - ASKS_PRINTED) if len(asks) > ASKS_PRINTED else ""}


def _indicator_detail(i: IndicatorView) -> str:
    latest = i.latest
    return t("sponsor.export.indicator", latest=fmt_value(latest.value, i.unit, latest.measured_on),
             target=fmt_value(i.target, i.unit))


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


