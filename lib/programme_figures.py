"""The programme's own figures (« Indicateurs du programme »): EIGs recruited and still in
their administration after the programme, défis by pérennisation outcome, ouverture,
trainings given, per promotion and in total; and the weekly mood and participation of
each promotion on the programme clock, to compare a promotion with earlier ones.

Everyone logged in reads them (they are aggregates); coaches record the facts they come
from. Every figure is counted in SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import case, func, select

from lib import audit, db
from lib.clock import WEEK, now_utc, programme_clock, programme_start, programme_weeks, published_until
from lib.errors import NotFound, PermissionDenied
from lib.i18n import t
from lib.models import Bulletin, Defi, DefiRole, Membership, Perennisation, Promotion, Training, User
from lib.permissions import Actor, require_staff
from lib.phases import phase_windows
from lib.schemas import DefiFactsIn, TrainingIn

OUTCOMES = [p.value for p in Perennisation] + ["non_renseigne"]
FACT_FIELDS = ["perennisation", "public_code", "published_datasets", "libraries"]
FIGURE_COLUMNS = ["promotion_id", "promotion", "defis", "eig_recruited", "eig_stayed", "eig_outcome_known",
                  *OUTCOMES, "public_code", "with_datasets", "datasets", "with_libraries", "libraries",
                  "trainings", "attendees"]
CLOCK_COLUMNS = ["promotion_id", "promotion", "programme_week", "phase", "week_start", "bulletins", "mood_sum",
                 "defis", "mood", "participation"]


def _require_logged_in(actor: Actor) -> None:
    if not actor.active:
        raise PermissionDenied(t("error.permission_denied"))


# --- Figures per promotion -----------------------------------------------------------------


def promotion_figures(actor: Actor) -> pd.DataFrame:
    """One row per promotion, oldest first, with every programme figure."""
    _require_logged_in(actor)
    true_count = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    with db.reading() as s:
        promotions = s.execute(select(Promotion.id, Promotion.name).order_by(Promotion.start_date)).all()
        rows = {pid: dict.fromkeys(FIGURE_COLUMNS, 0) | {"promotion_id": pid, "promotion": name}
                for pid, name in promotions}
        for pid, outcome, count in s.execute(
                select(Defi.promotion_id, Defi.perennisation, func.count())
                .group_by(Defi.promotion_id, Defi.perennisation)):
            rows[pid][outcome.value if outcome else "non_renseigne"] += count
            rows[pid]["defis"] += count
        for pid, *values in s.execute(
                select(Defi.promotion_id, true_count(Defi.public_code.is_(True)),
                       true_count(Defi.published_datasets > 0), func.sum(Defi.published_datasets),
                       true_count(Defi.libraries > 0), func.sum(Defi.libraries))
                .group_by(Defi.promotion_id)):
            rows[pid].update(zip(["public_code", "with_datasets", "datasets", "with_libraries", "libraries"],
                                 (int(v or 0) for v in values), strict=True))
        for pid, recruited, stayed, known in s.execute(
                select(Defi.promotion_id, func.count(), true_count(Membership.stayed_in_administration.is_(True)),
                       true_count(Membership.stayed_in_administration.is_not(None)))
                .join(Membership, Membership.defi_id == Defi.id).where(Membership.role == DefiRole.EIG)
                .group_by(Defi.promotion_id)):
            rows[pid].update(eig_recruited=recruited, eig_stayed=int(stayed or 0), eig_outcome_known=int(known or 0))
        for pid, count, attendees in s.execute(
                select(Training.promotion_id, func.count(), func.sum(Training.attendees))
                .group_by(Training.promotion_id)):
            rows[pid].update(trainings=count, attendees=int(attendees or 0))
    return pd.DataFrame(list(rows.values()), columns=FIGURE_COLUMNS)


def with_total(figures: pd.DataFrame) -> pd.DataFrame:
    """The figures with a last row adding up every promotion (« Toutes promotions »)."""
    if figures.empty:
        return figures
    total = figures.drop(columns=["promotion_id", "promotion"]).sum().to_dict()
    total.update(promotion_id=0, promotion=t("programme.all_promotions"))
    return pd.concat([figures, pd.DataFrame([total], columns=FIGURE_COLUMNS)], ignore_index=True)


# --- The programme clock: mood and participation by programme week and phase ----------------


def clock_comparison(actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Per promotion and programme week (1-43...), until the last published week: bulletins
    filed, their mood, and the participation (bulletins / défis). Weeks without any bulletin
    are there with 0."""
    _require_logged_in(actor)
    now = now or now_utc()
    with db.reading() as s:
        promotions = s.scalars(select(Promotion).order_by(Promotion.start_date)).all()
        defis = dict(s.execute(select(Defi.promotion_id, func.count()).group_by(Defi.promotion_id)).all())
        cells = {(pid, week): (count, int(mood_sum)) for pid, week, count, mood_sum in s.execute(
            select(Defi.promotion_id, Bulletin.week_start, func.count(), func.sum(Bulletin.mood))
            .join(Defi, Defi.id == Bulletin.defi_id).group_by(Defi.promotion_id, Bulletin.week_start))}
        windows = {p.id: phase_windows(s, p) for p in promotions}
    rows = []
    for promotion in promotions:
        last = published_until(promotion, now)
        total_defis = defis.get(promotion.id, 0)
        for k in range(programme_weeks(promotion)):
            monday = programme_start(promotion) + k * WEEK
            if monday > last or not total_defis:
                break
            count, mood_sum = cells.get((promotion.id, monday), (0, 0))
            clock = programme_clock(promotion, windows[promotion.id], monday)
            rows.append({"promotion_id": promotion.id, "promotion": promotion.name, "programme_week": clock.week,
                         "phase": clock.phase, "week_start": monday, "bulletins": count, "mood_sum": mood_sum,
                         "defis": total_defis, "mood": mood_sum / count if count else None,
                         "participation": count / total_defis})
    return pd.DataFrame(rows, columns=CLOCK_COLUMNS)


def by_phase(weekly: pd.DataFrame) -> pd.DataFrame:
    """The weekly comparison summed up per promotion and phase: mean mood of the bulletins
    and participation (bulletins filed / bulletins due)."""
    columns = ["promotion", "phase", "bulletins", "due", "mood", "participation"]
    weekly = weekly.dropna(subset=["phase"])
    if weekly.empty:
        return pd.DataFrame(columns=columns)
    grouped = (weekly.groupby(["promotion_id", "promotion", "phase"], sort=False)
               .agg(bulletins=("bulletins", "sum"), mood_sum=("mood_sum", "sum"), due=("defis", "sum"))
               .reset_index())
    grouped["phase"] = grouped["phase"].astype(int)
    grouped["mood"] = grouped["mood_sum"].where(grouped["bulletins"] > 0) / grouped["bulletins"].where(
        grouped["bulletins"] > 0)
    grouped["participation"] = grouped["bulletins"] / grouped["due"]
    return grouped[columns]


# --- Facts coaches record ------------------------------------------------------------------


class DefiFacts(BaseModel):
    id: int
    defi: str
    perennisation: Perennisation | None
    public_code: bool
    published_datasets: int
    libraries: int
    version: int


class EigOutcome(BaseModel):
    membership_id: int
    eig: str
    defi: str
    stayed_in_administration: bool | None
    version: int


def defi_facts(actor: Actor, promotion_id: int) -> list[DefiFacts]:
    require_staff(actor)
    with db.reading() as s:
        return [DefiFacts(id=d.id, defi=d.name, perennisation=d.perennisation, public_code=d.public_code,
                          published_datasets=d.published_datasets, libraries=d.libraries, version=d.version)
                for d in s.scalars(select(Defi).where(Defi.promotion_id == promotion_id).order_by(Defi.name))]


def record_defi_facts(actor: Actor, changes: dict[int, tuple[DefiFactsIn, int]],
                      now: dt.datetime | None = None) -> None:
    """Save the facts of several défis in one transaction: {defi_id: (facts, version read)}.
    A défi changed by someone else since it was read refuses the whole save."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        for defi_id, (data, version) in changes.items():
            defi = db.load(s, Defi, defi_id, version)
            with audit.change(s, actor, "update_facts", "defi", defi, FACT_FIELDS, at=now):
                defi.perennisation, defi.public_code = data.perennisation, data.public_code
                defi.published_datasets, defi.libraries = data.published_datasets, data.libraries
                defi.updated_at = now


def eig_outcomes(actor: Actor, promotion_id: int) -> list[EigOutcome]:
    require_staff(actor)
    with db.reading() as s:
        rows = s.execute(
            select(Membership, User.display_name, Defi.name).join(User, User.id == Membership.user_id)
            .join(Defi, Defi.id == Membership.defi_id)
            .where(Defi.promotion_id == promotion_id, Membership.role == DefiRole.EIG)
            .order_by(Defi.name, User.display_name)).all()
    return [EigOutcome(membership_id=m.id, eig=name, defi=defi, stayed_in_administration=m.stayed_in_administration,
                       version=m.version) for m, name, defi in rows]


def record_eig_outcomes(actor: Actor, changes: dict[int, tuple[bool | None, int]],
                        now: dt.datetime | None = None) -> None:
    """Whether EIGs still work in the administration after the programme, in one
    transaction: {membership_id: (stayed or None if unknown, version read)}."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        for membership_id, (stayed, version) in changes.items():
            membership = db.load(s, Membership, membership_id, version)
            if membership.role is not DefiRole.EIG:
                raise NotFound(t("error.not_found"))
            with audit.change(s, actor, "update_outcome", "membership", membership, ["stayed_in_administration"],
                              at=now):
                membership.stayed_in_administration, membership.updated_at = stayed, now


def trainings(actor: Actor, promotion_id: int) -> pd.DataFrame:
    """The trainings given to a promotion, newest first."""
    _require_logged_in(actor)
    with db.reading() as s:
        rows = s.execute(select(Training.held_on, Training.title, Training.attendees)
                         .where(Training.promotion_id == promotion_id)
                         .order_by(Training.held_on.desc(), Training.id.desc())).all()
    return pd.DataFrame(rows, columns=["held_on", "title", "attendees"])


def add_training(actor: Actor, promotion_id: int, data: TrainingIn, now: dt.datetime | None = None) -> int:
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        db.load(s, Promotion, promotion_id)
        with audit.change(s, actor, "create", "training", None, ["promotion_id", "held_on", "title", "attendees"],
                          at=now) as change:
            training = change.add(Training(promotion_id=promotion_id, held_on=data.held_on, title=data.title,
                                           attendees=data.attendees, created_by_id=actor.id, created_at=now,
                                           updated_at=now))
        return training.id

