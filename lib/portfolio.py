"""What a user sees of the programme: promotions and défis they may open, the per-défi
summaries of the home page, and the coaches' portfolio with its explained risk, aggregated
in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import and_, func, select

from lib import db, formats, risk
from lib.bulletins import load_promotion
from lib.clock import current_week, deadline_of, local_today, now_utc, programme_start, runs_on
from lib.models import (
    Administration,
    Bulletin,
    Defi,
    DefiPhase,
    DefiRole,
    HelpRequest,
    HelpStatus,
    Membership,
    PhaseTemplate,
    Promotion,
    User,
)
from lib.permissions import Action, Actor, Capacity, allowed, member_capacity, require_staff
from lib.phases import current_phase_numbers
from lib.text import fold


class PromotionInfo(BaseModel):
    id: int
    name: str
    start_date: dt.date
    months: int


class DefiInfo(BaseModel):
    id: int
    name: str
    administration: str
    promotion_id: int
    my_role: DefiRole | None  # None for coaches and admins who are not in the team
    capacity: Capacity  # what the actor is to the défi (docs/design.md, Permissions)

    def may(self, action: Action) -> bool:
        """Whether the matrix lets the actor do `action` on this défi: what pages ask."""
        return allowed(self.capacity, action)


class PhaseInfo(BaseModel):
    number: int
    name: str
    planned_start: dt.date
    planned_end: dt.date
    validated: bool


class DefiStatus(BaseModel):
    """A défi as its team and sponsors see it on the home page."""

    defi: DefiInfo
    phases: list[PhaseInfo]
    current_phase: PhaseInfo | None
    week_label: str
    bulletin_filed: bool
    deadline: dt.datetime
    deadline_tz: str


def promotions_for(actor: Actor) -> list[PromotionInfo]:
    """Staff see every promotion; others the promotions of their défis, newest first."""
    with db.reading() as s:
        query = select(Promotion).order_by(Promotion.start_date.desc())
        if not actor.is_staff:
            query = query.where(Promotion.id.in_(
                select(Defi.promotion_id).join(Membership, Membership.defi_id == Defi.id)
                .where(Membership.user_id == actor.id)))
        return [PromotionInfo(id=p.id, name=p.name, start_date=p.start_date, months=p.months)
                for p in s.scalars(query)]


def default_promotion(actor: Actor, now: dt.datetime | None = None) -> int | None:
    """The promotion the sidebar opens on: a running one (its programme's dates hold today),
    the actor's own (a défi's member, coaches included) before another, the latest started
    among equals; when none runs, the actor's own, then the latest started, then the next to
    start. Not simply the newest: the next promotion is created before the current one ends."""
    now = now or now_utc()
    with db.reading() as s:
        mine = set(s.scalars(select(Defi.promotion_id).join(Membership, Membership.defi_id == Defi.id)
                             .where(Membership.user_id == actor.id)))
        promotions = s.scalars(select(Promotion).where(Promotion.id.in_(mine)) if not actor.is_staff
                               else select(Promotion)).all()

        def rank(p: Promotion) -> tuple[bool, bool, bool, int]:
            today = local_today(p, now)
            started = programme_start(p) <= today
            return (runs_on(p, today), p.id in mine, started,
                    p.start_date.toordinal() * (1 if started else -1))

        return max(promotions, key=rank).id if promotions else None


def default_defi(defis: list[DefiInfo]) -> DefiInfo | None:
    """The défi the sidebar opens on: the first the actor coaches (coach référent·e), else the
    first (alphabetically)."""
    return next((d for d in defis if d.my_role == DefiRole.COACH), defis[0] if defis else None)


def defis_for(actor: Actor, promotion_id: int) -> list[DefiInfo]:
    """The défis of a promotion the actor may open: all for staff, their own for others."""
    with db.reading() as s:
        my_role = select(Membership.role).where(Membership.defi_id == Defi.id,
                                                Membership.user_id == actor.id).scalar_subquery()
        query = (select(Defi.id, Defi.name, Administration.name, Defi.promotion_id, my_role)
                 .join(Administration, Administration.id == Defi.administration_id)
                 .where(Defi.promotion_id == promotion_id).order_by(Defi.name))
        if not actor.is_staff:
            query = query.where(Defi.id.in_(select(Membership.defi_id).where(Membership.user_id == actor.id)))
        # Non-staff only get défis they belong to: their role tells their capacity.
        return [DefiInfo(id=i, name=n, administration=a, promotion_id=p, my_role=r,
                         capacity=member_capacity(actor, r) or Capacity.OUTSIDER)
                for i, n, a, p, r in s.execute(query)]


def defi_statuses(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> list[DefiStatus]:
    """Home cards of the actor's own défis: phases, current phase, this week's bulletin."""
    now = now or now_utc()
    defis = [d for d in defis_for(actor, promotion_id) if d.my_role is not None]
    if not defis:
        return []
    ids = [d.id for d in defis]
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        today = local_today(promotion, now)
        year, week = current_week(promotion, now)
        deadline = deadline_of(promotion, year, week)
        phase_rows = s.execute(
            select(DefiPhase.defi_id, PhaseTemplate.number, PhaseTemplate.name, DefiPhase.planned_start,
                   DefiPhase.planned_end, DefiPhase.validated_at)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(DefiPhase.defi_id.in_(ids)).order_by(DefiPhase.defi_id, PhaseTemplate.number)
        ).all()
        filed = set(s.scalars(select(Bulletin.defi_id).where(
            Bulletin.defi_id.in_(ids), Bulletin.iso_year == year, Bulletin.iso_week == week)))
    out = []
    for defi in defis:
        phases = [PhaseInfo(number=n, name=name, planned_start=a, planned_end=b, validated=v is not None)
                  for d, n, name, a, b, v in phase_rows if d == defi.id]
        current = next((p for p in phases if p.planned_start <= today < p.planned_end), None)
        out.append(DefiStatus(defi=defi, phases=phases, current_phase=current, week_label=formats.iso_week(year, week),
                              bulletin_filed=defi.id in filed, deadline=deadline, deadline_tz=promotion.timezone))
    return out


def promotion_overview(actor: Actor, promotion_id: int, today: dt.date | None = None) -> pd.DataFrame:
    """One row per défi of the promotion for coaches: team size, current phase, last
    bulletin and mood, open help requests. Aggregated in SQL, whatever the table sizes."""
    today = today or now_utc().date()
    defis = defis_for(actor, promotion_id)
    columns = ["id", "defi", "administration", "phase", "eig", "last_week", "last_mood", "open_help"]
    if not defis:
        return pd.DataFrame(columns=columns)
    ids = [d.id for d in defis]
    with db.reading() as s:
        eig_counts = dict(s.execute(
            select(Membership.defi_id, func.count()).join(User, User.id == Membership.user_id)
            .where(Membership.defi_id.in_(ids), Membership.role == DefiRole.EIG, User.active.is_(True))
            .group_by(Membership.defi_id)).all())
        last = (select(Bulletin.defi_id, func.max(Bulletin.week_start).label("week_start"))
                .where(Bulletin.defi_id.in_(ids)).group_by(Bulletin.defi_id).subquery())
        last_rows = {d: (w, m) for d, w, m in s.execute(
            select(Bulletin.defi_id, Bulletin.week_start, Bulletin.mood)
            .join(last, and_(last.c.defi_id == Bulletin.defi_id, last.c.week_start == Bulletin.week_start)))}
        open_help = dict(s.execute(
            select(Bulletin.defi_id, func.count()).join(HelpRequest, HelpRequest.bulletin_id == Bulletin.id)
            .where(Bulletin.defi_id.in_(ids), HelpRequest.status != HelpStatus.RESOLVED)
            .group_by(Bulletin.defi_id)).all())
        phases = current_phase_numbers(s, ids, today)
    rows = []
    for d in defis:
        week_start, mood = last_rows.get(d.id, (None, None))
        phase = phases.get(d.id)
        rows.append({"id": d.id, "defi": d.name, "administration": d.administration,
                     "phase": f"{phase[0]}. {phase[1]}" if phase else "", "eig": eig_counts.get(d.id, 0),
                     "last_week": week_start, "last_mood": mood, "open_help": open_help.get(d.id, 0)})
    return pd.DataFrame(rows, columns=columns)


# --- The coaches' portfolio ------------------------------------------------------------------

PORTFOLIO_COLUMNS = ["id", "defi", "administration", "coach", "phase_number", "phase", "objectives", "time",
                     "moods", "last_mood", "bulletins_filed", "weeks_due", "participation", "open_help",
                     "oldest_help_days", "overdue_actions", "weeks_without_contact", "last_contact",
                     "carnets_missing", "level", "level_rank", "level_label", "reasons"]
LEVEL_COLOURS = {"faible": "green", "a_surveiller": "orange", "eleve": "red"}  # st.badge colours


def coach_portfolio(actor: Actor, promotion_id: int, now: dt.datetime | None = None,
                    defi_ids: Collection[int] | None = None) -> pd.DataFrame:
    """One row per défi of the promotion (of `defi_ids` among them, when given) with every
    portfolio signal, its risk level and the reasons in words (lib/risk.py). The risk applies
    while the programme runs: before its start and after its end the level is empty. Coaches
    and admins only."""
    require_staff(actor)
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        today = local_today(promotion, now)
        running = runs_on(promotion, today)
        signals = risk.collect(s, promotion, now, today, defi_ids)
    rows = []
    for sig in signals:
        assessment = risk.assess(sig) if running else None
        filed = [m for m in sig.moods if m is not None]
        rows.append({
            "id": sig.defi_id, "defi": sig.defi, "administration": sig.administration, "coach": sig.coach,
            "phase_number": sig.phase_number,
            "phase": f"{sig.phase_number}. {sig.phase_name}" if sig.phase_number else "",
            "objectives": round(sig.objectives_share * 100) if sig.objectives_total else None,
            "time": round(sig.time_elapsed * 100) if sig.phase_number else None,
            "moods": filed, "last_mood": filed[-1] if filed else None,
            "bulletins_filed": sig.bulletins_filed, "weeks_due": sig.weeks_due,
            "participation": f"{sig.bulletins_filed} / {sig.weeks_due}",
            "open_help": sig.open_help, "oldest_help_days": sig.oldest_help_days,
            "overdue_actions": sig.overdue_actions, "weeks_without_contact": sig.weeks_without_contact,
            "last_contact": sig.last_contact, "carnets_missing": sig.carnets_missing,
            "level": assessment.level if assessment else "",
            "level_rank": risk.LEVELS.index(assessment.level) if assessment else -1,
            "level_label": assessment.label if assessment else "—",
            "reasons": assessment.text if assessment else "",
        })
    return pd.DataFrame(rows, columns=PORTFOLIO_COLUMNS)


SORTS = {  # the portfolio's orders: (columns, ascending)
    "risk": (["level_rank", "reason_count", "defi"], [False, False, True]),
    "defi": (["defi"], [True]),
    "mood": (["last_mood", "defi"], [True, True]),
    "contact": (["weeks_without_contact", "defi"], [False, True]),
}


def filter_portfolio(rows: pd.DataFrame, levels: list[str] | None = None, phases: list[int] | None = None,
                     text: str = "", coach: str | None = None, sort: str = "risk") -> pd.DataFrame:
    """The portfolio rows kept by the page's filters (risk levels, phase numbers, a text
    found accent-insensitively in the défi, its administration, coach or reasons), sorted."""
    kept = rows
    if levels:
        kept = kept[kept["level"].isin(levels)]
    if phases:
        kept = kept[kept["phase_number"].isin(phases)]
    if coach:
        kept = kept[kept["coach"] == coach]
    if needle := fold(text.strip()):
        haystack = kept[["defi", "administration", "coach", "reasons"]].astype(str).agg(" ".join, axis=1)
        kept = kept[haystack.map(lambda h: needle in fold(h))]
    columns, ascending = SORTS[sort]
    kept = kept.assign(reason_count=kept["reasons"].map(lambda r: r.count(";") + 1 if r else 0))
    return kept.sort_values(columns, ascending=ascending, na_position="last").drop(columns="reason_count")
