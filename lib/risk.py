"""Risk of a défi, explained in words: the coaches' portfolio rules and thresholds, all here.

`collect()` reads every input for a whole promotion (or some of its défis) in a fixed number
of grouped queries (whatever the number of défis); each rule is a small function of those
inputs returning a French reason or None; `assess()` turns the reasons into a level. The portfolio page
documents the rules from `rule_docs()`, built from the same thresholds, so the
documentation cannot drift from the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lib import formats
from lib.carnets import last_writable_day, month_of, owed_counts
from lib.clock import add_months, closed_weeks, programme_end, programme_start
from lib.i18n import t
from lib.models import (
    ActionStatus,
    Administration,
    Bulletin,
    CoachingSession,
    Committee,
    CommitteeAction,
    Defi,
    DefiPhase,
    DefiRole,
    HelpRequest,
    HelpStatus,
    Membership,
    PhaseObjective,
    PhaseTemplate,
    Promotion,
    User,
)


@dataclass(frozen=True)
class Thresholds:
    """Every number the rules use: change one here and the rules and their documentation follow."""

    mood_weeks: int = 4  # the mood window (the portfolio's sparkline)
    mood_decline_drop: int = 2  # steps the mood lost without rising again (over the mood window)
    low_mood: float = 2.0  # average mood over the window at or below this (1 ☹️ ... 4 😀)
    participation_weeks: int = 8  # the participation window
    missing_bulletins: int = 2  # bulletins missing over the participation window
    help_age_days: int = 14  # an unresolved help request at least this old
    overdue_actions: int = 2  # open committee actions past their due date
    phase_late_days: int = 7  # a phase whose window ended this long ago without validation
    progress_gap: float = 0.5  # share of time elapsed minus share of objectives done
    coach_contact_weeks: int = 3  # weeks without a coach contact
    carnet_months: int = 3  # the closed months whose monthly carnets are checked
    missing_carnets: int = 1  # monthly carnets missing over those months
    high_reasons: int = 3  # this many reasons or more make the risk « élevé »


THRESHOLDS = Thresholds()
LEVELS = ["faible", "a_surveiller", "eleve"]


@dataclass
class Signals:
    """What the rules read about one défi, on one day."""

    defi_id: int
    defi: str
    administration: str
    coach: str = ""
    phase_number: int | None = None  # the phase whose window holds today
    phase_name: str = ""
    objectives_done: int = 0
    objectives_total: int = 0
    time_elapsed: float = 0.0
    late_phase: int | None = None  # the earliest phase whose window ended without validation
    late_days: int = 0
    moods: list[int | None] = field(default_factory=list)  # the mood window, oldest week first
    weeks_due: int = 0  # weeks of the participation window inside the programme
    bulletins_filed: int = 0
    open_help: int = 0
    oldest_help_days: int | None = None
    overdue_actions: int = 0
    last_contact: dt.date | None = None
    weeks_without_contact: int = 0
    carnets_expected: int = 0
    carnets_missing: int = 0

    @property
    def objectives_share(self) -> float:
        return self.objectives_done / self.objectives_total if self.objectives_total else 0.0


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


# --- The rules: Signals -> French reason or None -------------------------------------------


def decline(moods: list[int | None]) -> tuple[int, int]:
    """(weeks, steps) of the mood's latest fall: from the last week it stood at its level
    before falling, to the last bulletin, without rising in between. Weeks without a
    bulletin are skipped. (0, 0) when the last bulletin is not lower than the one before."""
    filed = [m for m in moods if m is not None]
    start = len(filed) - 1
    while start > 0 and filed[start - 1] >= filed[start]:
        start -= 1
    while start < len(filed) - 1 and filed[start + 1] == filed[start]:
        start += 1  # the fall starts at the last week of the plateau it falls from
    if not filed or filed[-1] >= filed[start]:
        return 0, 0
    return len(filed) - 1 - start, filed[start] - filed[-1]


def mood_declining(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    weeks, steps = decline(s.moods)
    return t("risk.reason.mood_decline", n=weeks) if steps >= th.mood_decline_drop else None


def mood_low(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    filed = [m for m in s.moods if m is not None]
    if not filed:
        return None
    average = sum(filed) / len(filed)
    if average > th.low_mood:
        return None
    return t("risk.reason.mood_low", average=formats.decimal(average), weeks=th.mood_weeks)


def bulletins_missing(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    missing = s.weeks_due - s.bulletins_filed
    if missing < th.missing_bulletins:
        return None
    return t("risk.reason.bulletins", n=missing, weeks=s.weeks_due)


def help_waiting(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    if s.oldest_help_days is None or s.oldest_help_days < th.help_age_days:
        return None
    return t("risk.reason.help", n=s.open_help, days=s.oldest_help_days)


def actions_overdue(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    return t("risk.reason.actions", n=s.overdue_actions) if s.overdue_actions >= th.overdue_actions else None


def phase_late(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    if s.late_phase is None or s.late_days < th.phase_late_days:
        return None
    return t("risk.reason.phase_late", number=s.late_phase, days=s.late_days)


def progress_behind(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    if s.phase_number is None or not s.objectives_total or s.time_elapsed - s.objectives_share < th.progress_gap:
        return None
    return t("risk.reason.progress", number=s.phase_number, done=_pct(s.objectives_share),
             elapsed=_pct(s.time_elapsed))


def coach_absent(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    if s.weeks_without_contact < th.coach_contact_weeks:
        return None
    return t("risk.reason.contact", n=s.weeks_without_contact)


def carnets_missing(s: Signals, th: Thresholds = THRESHOLDS) -> str | None:
    return t("risk.reason.carnets", n=s.carnets_missing) if s.carnets_missing >= th.missing_carnets else None


# (key of the rule's documentation, rule), in the order reasons are written.
RULES: list[tuple[str, Callable[[Signals, Thresholds], str | None]]] = [
    ("mood_decline", mood_declining),
    ("mood_low", mood_low),
    ("bulletins", bulletins_missing),
    ("phase_late", phase_late),
    ("progress", progress_behind),
    ("actions", actions_overdue),
    ("help", help_waiting),
    ("contact", coach_absent),
    ("carnets", carnets_missing),
]


@dataclass(frozen=True)
class Assessment:
    level: str  # one of LEVELS
    reasons: list[str]

    @property
    def label(self) -> str:
        return t(f"risk.level.{self.level}")

    @property
    def text(self) -> str:
        return "; ".join(self.reasons)


def assess(s: Signals, th: Thresholds = THRESHOLDS, rules: list | None = None) -> Assessment:
    """Every rule that fires gives a reason; none is « faible », many are « élevé ».
    `rules`: a subset of RULES, for readers some inputs are not shown to (sponsors)."""
    reasons = [reason for _, rule in (RULES if rules is None else rules) if (reason := rule(s, th))]
    level = "faible" if not reasons else "eleve" if len(reasons) >= th.high_reasons else "a_surveiller"
    return Assessment(level, reasons)


def rule_docs(th: Thresholds = THRESHOLDS) -> list[str]:
    """The rules in French, with the thresholds the code uses (shown on the portfolio page)."""
    values = {name: getattr(th, name) for name in th.__dataclass_fields__}
    values["low_mood"] = formats.decimal(th.low_mood)
    values["progress_gap"] = _pct(th.progress_gap)
    return [t(f"risk.doc.{key}", **values) for key, _ in RULES] + [t("risk.doc.levels", **values)]


# --- Inputs, for a whole promotion in a fixed number of queries -------------------------------


def closed_months(promotion: Promotion, today: dt.date, count: int) -> list[dt.date]:
    """The last `count` months of the programme whose monthly carnet can no longer be written."""
    months, month = [], month_of(today)
    first, end = month_of(promotion.start_date), programme_end(promotion)
    while len(months) < count and month >= first:
        if last_writable_day(month) < today and month < end:
            months.append(month)
        month = add_months(month, -1)
    return sorted(months)


def collect(s: Session, promotion: Promotion, now: dt.datetime, today: dt.date,
            defi_ids: Collection[int] | None = None) -> list[Signals]:
    """The Signals of every défi of the promotion (of `defi_ids` among them, when given), on
    `today` (local) and at `now`. Each query names the défis by id rather than joining `Defi`
    on the promotion: PostgreSQL then reaches their rows through the défi indexes instead of
    scanning the whole history."""
    th = THRESHOLDS
    coach = (select(func.min(User.display_name)).join(Membership, Membership.user_id == User.id)
             .where(Membership.defi_id == Defi.id, Membership.role == DefiRole.COACH).scalar_subquery())
    defis = (select(Defi.id, Defi.name, Administration.name, coach)
             .join(Administration, Administration.id == Defi.administration_id)
             .where(Defi.promotion_id == promotion.id).order_by(Defi.name))
    if defi_ids is not None:
        defis = defis.where(Defi.id.in_(defi_ids))
    signals = {d: Signals(defi_id=d, defi=name, administration=admin, coach=c or "")
               for d, name, admin, c in s.execute(defis)}
    if not signals:
        return []
    ids = list(signals)

    # Phases: the current one with its objectives, and the earliest late one.
    their_phases = select(DefiPhase.id).where(DefiPhase.defi_id.in_(ids))
    objectives = (select(PhaseObjective.defi_phase_id, func.count().label("total"),
                         func.sum(case((PhaseObjective.done, 1), else_=0)).label("done"))
                  .where(PhaseObjective.defi_phase_id.in_(their_phases))  # not every promotion's
                  .group_by(PhaseObjective.defi_phase_id).subquery())
    for defi_id, number, name, start, end, validated, total, done in s.execute(
            select(DefiPhase.defi_id, PhaseTemplate.number, PhaseTemplate.name, DefiPhase.planned_start,
                   DefiPhase.planned_end, DefiPhase.validated_at, objectives.c.total, objectives.c.done)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .outerjoin(objectives, objectives.c.defi_phase_id == DefiPhase.id)
            .where(DefiPhase.defi_id.in_(ids)).order_by(DefiPhase.defi_id, PhaseTemplate.number)):
        sig = signals[defi_id]
        if start <= today < end:
            sig.phase_number, sig.phase_name = number, name
            sig.objectives_total, sig.objectives_done = int(total or 0), int(done or 0)
            sig.time_elapsed = min(1.0, max(0.0, (today - start).days / max(1, (end - start).days)))
        if validated is None and end <= today and sig.late_phase is None:
            sig.late_phase, sig.late_days = number, (today - end).days

    # Bulletins of the participation window, the last closed weeks (the week in progress is
    # not missing before its deadline); its last weeks are the mood window.
    weeks = closed_weeks(promotion, now, th.participation_weeks)
    mood_weeks = weeks[-th.mood_weeks:]
    moods: dict[tuple[int, dt.date], int] = {}
    if weeks:
        moods = {(d, w): m for d, w, m in s.execute(
            select(Bulletin.defi_id, Bulletin.week_start, Bulletin.mood)
            .where(Bulletin.defi_id.in_(ids), Bulletin.week_start >= weeks[0], Bulletin.week_start <= weeks[-1]))}
    for sig in signals.values():
        sig.weeks_due = len(weeks)
        sig.bulletins_filed = sum((sig.defi_id, w) in moods for w in weeks)
        sig.moods = [moods.get((sig.defi_id, w)) for w in mood_weeks]

    # Unresolved help requests, and the coaches' answers (a contact).
    for defi_id, count, oldest in s.execute(
            select(Bulletin.defi_id, func.count(), func.min(HelpRequest.created_at))
            .join(Bulletin, Bulletin.id == HelpRequest.bulletin_id)
            .where(Bulletin.defi_id.in_(ids), HelpRequest.status != HelpStatus.RESOLVED).group_by(Bulletin.defi_id)):
        signals[defi_id].open_help = count
        signals[defi_id].oldest_help_days = max(0, (now - _aware(oldest)).days)
    contacts: dict[int, list[dt.date]] = {d: [] for d in signals}
    for defi_id, answered, resolved in s.execute(
            select(Bulletin.defi_id, func.max(HelpRequest.first_answered_at), func.max(HelpRequest.resolved_at))
            .join(Bulletin, Bulletin.id == HelpRequest.bulletin_id)
            .where(Bulletin.defi_id.in_(ids)).group_by(Bulletin.defi_id)):
        contacts[defi_id] += [_aware(x).date() for x in (answered, resolved) if x is not None and _aware(x) <= now]

    # Committees held (a contact) and their overdue actions.
    for defi_id, held in s.execute(
            select(DefiPhase.defi_id, func.max(Committee.scheduled_at))
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .where(DefiPhase.defi_id.in_(ids), Committee.scheduled_at <= now).group_by(DefiPhase.defi_id)):
        contacts[defi_id].append(_aware(held).date())
    for defi_id, count in s.execute(
            select(DefiPhase.defi_id, func.count()).select_from(CommitteeAction)
            .join(Committee, Committee.id == CommitteeAction.committee_id)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .where(DefiPhase.defi_id.in_(ids), CommitteeAction.status == ActionStatus.OPEN,
                   CommitteeAction.due_on < today)
            .group_by(DefiPhase.defi_id)):
        signals[defi_id].overdue_actions = count

    # Coaching sessions logged by the coaches (a contact).
    for defi_id, held_on in s.execute(
            select(CoachingSession.defi_id, func.max(CoachingSession.held_on))
            .where(CoachingSession.defi_id.in_(ids), CoachingSession.held_on <= today)
            .group_by(CoachingSession.defi_id)):
        contacts[defi_id].append(held_on)
    for defi_id, days in contacts.items():
        sig = signals[defi_id]
        sig.last_contact = max(days) if days else None
        sig.weeks_without_contact = max(0, (today - (sig.last_contact or programme_start(promotion))).days // 7)

    # Monthly carnets of the closed months, owed by the défi's active EIGs (lib/carnets.py, owes).
    months = closed_months(promotion, today, th.carnet_months)
    for defi_id, (expected, missing) in owed_counts(s, promotion, months, today, ids).items():
        signals[defi_id].carnets_expected, signals[defi_id].carnets_missing = expected, missing
    return list(signals.values())


def _aware(moment: dt.datetime) -> dt.datetime:
    """Aggregates (max, min) bypass the column type on SQLite: read them back as UTC."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
