"""The individual monthly carnet: each EIG's objectives, needs, learnings, trajectory and
1-4 self-ratings on the competencies of their défi's current phase.

Private (docs/design.md, Permissions): the EIG and the coaches read it; porteurs, sponsors and
other EIGs never do, whatever page calls these services. A month's carnet is writable
during that month and the next 7 days (local time), read-only afterwards. Who owes which
month is one rule, `owes`, which the to-dos and the portfolio's risk read through this module.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import audit, db, formats
from lib.audit import snapshot
from lib.bulletins import load_promotion, promotion_of_defi
from lib.clock import add_months, local_today, now_utc, programme_end
from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import (
    CompetencyRating,
    Defi,
    DefiPhase,
    DefiRole,
    Membership,
    MonthlyCarnet,
    PhaseTemplate,
    Promotion,
    User,
)
from lib.permissions import Action, Actor, Capacity, owns_or_may, require, require_staff
from lib.schemas import CarnetIn

GRACE_DAYS = 7
TEXT_FIELDS = ["objectifs", "besoins", "apprentissages", "trajectoire"]


class CarnetView(BaseModel):
    id: int
    user_id: int
    author: str
    defi_id: int
    month: dt.date
    phase_number: int | None
    objectifs: str
    besoins: str
    apprentissages: str
    trajectoire: str
    ratings: dict[str, int]
    version: int
    editable: bool


class CarnetForm(BaseModel):
    """What the form needs: the month, the phase's competencies, the carnet if written."""

    month: dt.date
    phase_number: int | None
    phase_name: str
    competencies: list[str]
    existing: CarnetView | None
    editable: bool
    editable_until: dt.date  # last day it can still be written


# --- Calendar rule ----------------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_writable_day(month: dt.date) -> dt.date:
    """A month's carnet can be written until the 7th of the next month included."""
    return add_months(month, 1) + dt.timedelta(days=GRACE_DAYS - 1)


def is_editable(month: dt.date, today: dt.date) -> bool:
    return month <= today <= last_writable_day(month)


def writable_months(today: dt.date) -> list[dt.date]:
    """This month, and last month during the first 7 days."""
    months = [month_of(today)]
    previous = add_months(month_of(today), -1)
    if is_editable(previous, today):
        months.append(previous)
    return months


# --- Who owes which month --------------------------------------------------------------------


def owing_from(promotion: Promotion, joined_on: dt.date | None) -> dt.date:
    """The day an EIG starts owing carnets: the promotion's start, or her own later arrival."""
    return max(promotion.start_date, joined_on or promotion.start_date)


def owes(month: dt.date, since: dt.date, until: dt.date, today: dt.date) -> bool:
    """Whether an EIG in the défi from `since` to the programme's end `until` (excluded) owes
    `month`'s carnet on `today`: she was there during that month, and nobody owes anything
    before they start. A promotion starting on 1 or 7 December owes December's carnet, never
    November's, though November's grace runs into its first week."""
    return since <= today and since < add_months(month, 1) and month < until


class Owing(NamedTuple):
    """An active EIG of a défi and the day she starts owing carnets there."""

    defi_id: int
    defi: str
    user_id: int
    name: str
    since: dt.date


def _eigs(s: Session, promotion: Promotion, defi_ids: list[int] | None = None) -> list[Owing]:
    """The promotion's active EIGs (of `defi_ids` if given), by défi and name."""
    query = (select(Membership.defi_id, Defi.name, User.id, User.display_name, Membership.joined_on)
             .join(User, User.id == Membership.user_id).join(Defi, Defi.id == Membership.defi_id)
             .where(Defi.promotion_id == promotion.id, Membership.role == DefiRole.EIG, User.active.is_(True))
             .order_by(Defi.name, User.display_name))
    if defi_ids is not None:
        query = query.where(Membership.defi_id.in_(defi_ids))
    return [Owing(defi_id, defi, user_id, name, owing_from(promotion, joined_on))
            for defi_id, defi, user_id, name, joined_on in s.execute(query)]


def owed_months(s: Session, promotion: Promotion, user_id: int, defi_ids: list[int], today: dt.date) -> list[dt.date]:
    """The months an EIG owes a carnet for and can still write on `today`, newest first (a
    carnet is per person and month: owed from her earliest start in `defi_ids`)."""
    starts = [e.since for e in _eigs(s, promotion, defi_ids) if e.user_id == user_id]
    if not starts:
        return []
    return [m for m in writable_months(today) if owes(m, min(starts), programme_end(promotion), today)]


def missing_carnets(s: Session, promotion: Promotion, month: dt.date, today: dt.date,
                    defi_ids: list[int] | None = None) -> list[Owing]:
    """The active EIGs who owe `month`'s carnet and have not written it in their défi, by
    défi and name."""
    until = programme_end(promotion)
    owing = [e for e in _eigs(s, promotion, defi_ids) if owes(month, e.since, until, today)]
    if not owing:
        return []
    wrote = set(s.execute(select(MonthlyCarnet.defi_id, MonthlyCarnet.user_id).where(
        MonthlyCarnet.month == month, MonthlyCarnet.user_id.in_({e.user_id for e in owing}))).tuples())
    return [e for e in owing if (e.defi_id, e.user_id) not in wrote]


def owed_counts(s: Session, promotion: Promotion, months: list[dt.date], today: dt.date,
                defi_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """Per défi of the promotion (of `defi_ids`, when given): how many carnets of `months` its
    active EIGs owe, and how many of those are not written (the portfolio's risk)."""
    if not months:
        return {}
    until = programme_end(promotion)
    written = (select(MonthlyCarnet.defi_id, MonthlyCarnet.user_id, MonthlyCarnet.month)
               .join(Defi, Defi.id == MonthlyCarnet.defi_id)
               .where(Defi.promotion_id == promotion.id, MonthlyCarnet.month.in_(months)))
    if defi_ids is not None:
        written = written.where(MonthlyCarnet.defi_id.in_(defi_ids))
    written = set(s.execute(written).tuples())
    counts: dict[int, tuple[int, int]] = {}
    for e in _eigs(s, promotion, defi_ids):
        owed = [m for m in months if owes(m, e.since, until, today)]
        expected, missing = counts.get(e.defi_id, (0, 0))
        counts[e.defi_id] = (expected + len(owed),
                             missing + sum((e.defi_id, e.user_id, m) not in written for m in owed))
    return counts


def _phase_on(s: Session, defi_id: int, day: dt.date) -> tuple[int | None, str, list[str]]:
    """The défi's phase on `day` (the first before the programme, the last after it)."""
    phases = s.execute(
        select(DefiPhase.planned_start, DefiPhase.planned_end, PhaseTemplate)
        .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
        .where(DefiPhase.defi_id == defi_id).order_by(PhaseTemplate.number)
    ).all()
    if not phases:
        return None, "", []
    chosen = next((tpl for start, end, tpl in phases if start <= day < end),
                  phases[0][2] if day < phases[0][0] else phases[-1][2])
    return chosen.number, chosen.name, list(chosen.eig_competencies)


def _phase_number(s: Session, defi_id: int, number: int | None) -> tuple[str, list[str]]:
    if number is None:
        return "", []
    tpl = s.scalar(select(PhaseTemplate).join(Defi, Defi.promotion_id == PhaseTemplate.promotion_id)
                   .where(Defi.id == defi_id, PhaseTemplate.number == number))
    return (tpl.name, list(tpl.eig_competencies)) if tpl else ("", [])


# --- Privacy --------------------------------------------------------------------------------


def _require_read(s: Session, actor: Actor, defi_id: int, user_id: int) -> Capacity:
    """Coaches read every EIG's carnet; an EIG only their own; nobody else any."""
    cap = require(s, actor, Action.READ_CARNET, defi_id)
    if not owns_or_may(actor, cap, user_id, Action.READ_ANY_CARNET):
        raise PermissionDenied(t("error.permission_denied"))
    return cap


def _view(c: MonthlyCarnet, author: str, today: dt.date, actor: Actor) -> CarnetView:
    return CarnetView(id=c.id, user_id=c.user_id, author=author, defi_id=c.defi_id, month=c.month,
                      phase_number=c.phase_number, objectifs=c.objectifs, besoins=c.besoins,
                      apprentissages=c.apprentissages, trajectoire=c.trajectoire,
                      ratings={r.competency: r.rating for r in c.ratings}, version=c.version,
                      editable=c.user_id == actor.id and is_editable(c.month, today))


# --- Reads ----------------------------------------------------------------------------------


def carnet_form(actor: Actor, defi_id: int, month: dt.date | None = None, now: dt.datetime | None = None) -> CarnetForm:
    """The EIG's own carnet of `month` (default: this month), ready to fill or edit."""
    with db.reading() as s:
        require(s, actor, Action.WRITE_CARNET, defi_id)
        today = local_today(promotion_of_defi(s, defi_id), now or now_utc())
        month = month_of(month or today)
        existing = s.scalar(select(MonthlyCarnet).where(MonthlyCarnet.user_id == actor.id,
                                                         MonthlyCarnet.month == month))
        if existing is not None and existing.defi_id == defi_id:
            number = existing.phase_number
            name, competencies = _phase_number(s, defi_id, number)
            view = _view(existing, actor.display_name, today, actor)
        else:
            number, name, competencies = _phase_on(s, defi_id, min(today, add_months(month, 1) - dt.timedelta(1)))
            view = None
        return CarnetForm(month=month, phase_number=number, phase_name=name, competencies=competencies,
                          existing=view, editable=is_editable(month, today), editable_until=last_writable_day(month))


def months_to_write(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> list[dt.date]:
    """The months the EIG owes a carnet for in this défi and can still write, newest first;
    none before she starts (the carnet page offers these)."""
    with db.reading() as s:
        require(s, actor, Action.WRITE_CARNET, defi_id)
        promotion = promotion_of_defi(s, defi_id)
        return owed_months(s, promotion, actor.id, [defi_id], local_today(promotion, now or now_utc()))


def carnets_of(actor: Actor, defi_id: int, user_id: int, now: dt.datetime | None = None) -> list[CarnetView]:
    """An EIG's carnets in this défi, newest month first."""
    with db.reading() as s:
        _require_read(s, actor, defi_id, user_id)
        today = local_today(promotion_of_defi(s, defi_id), now or now_utc())
        author = s.scalar(select(User.display_name).where(User.id == user_id)) or ""
        rows = s.scalars(select(MonthlyCarnet).where(MonthlyCarnet.defi_id == defi_id,
                                                      MonthlyCarnet.user_id == user_id)
                         .order_by(MonthlyCarnet.month.desc())).all()
        return [_view(c, author, today, actor) for c in rows]


def ratings_history(actor: Actor, defi_id: int, user_id: int) -> pd.DataFrame:
    """Self-ratings per month and competency, for the chart over time."""
    with db.reading() as s:
        _require_read(s, actor, defi_id, user_id)
        rows = s.execute(
            select(MonthlyCarnet.month, MonthlyCarnet.phase_number, CompetencyRating.competency,
                   CompetencyRating.rating)
            .join(CompetencyRating, CompetencyRating.carnet_id == MonthlyCarnet.id)
            .where(MonthlyCarnet.defi_id == defi_id, MonthlyCarnet.user_id == user_id)
            .order_by(MonthlyCarnet.month, CompetencyRating.competency)
        ).all()
    return pd.DataFrame(rows, columns=["month", "phase", "competency", "rating"])


def team_status(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """For coaches: the défi's active EIGs, whether each owes this month's carnet (not before
    she starts) and has written it, and how many carnets each has written."""
    with db.reading() as s:
        require(s, actor, Action.READ_ANY_CARNET, defi_id)
        promotion = promotion_of_defi(s, defi_id)
        today = local_today(promotion, now or now_utc())
        month, until = month_of(today), programme_end(promotion)
        eigs = [(e.user_id, e.name, owes(month, e.since, until, today)) for e in _eigs(s, promotion, [defi_id])]
        counts: dict[int, int] = {}
        this_month: set[int] = set()
        for user_id, m in s.execute(select(MonthlyCarnet.user_id, MonthlyCarnet.month)
                                    .where(MonthlyCarnet.defi_id == defi_id)):
            counts[user_id] = counts.get(user_id, 0) + 1
            if m == month:
                this_month.add(user_id)
    return pd.DataFrame([(i, n, owing, i in this_month, counts.get(i, 0)) for i, n, owing in eigs],
                        columns=["user_id", "eig", "owes_this_month", "written_this_month", "carnets"])


def missing_this_month(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """For coaches: active EIGs of the promotion who owe this month's carnet and have not
    written it."""
    require_staff(actor)
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        today = local_today(promotion, now or now_utc())
        rows = [(e.defi, e.name) for e in missing_carnets(s, promotion, month_of(today), today)]
    return pd.DataFrame(rows, columns=["defi", "eig"])


# --- Write ----------------------------------------------------------------------------------


def save_carnet(actor: Actor, defi_id: int, month: dt.date, data: CarnetIn, expected_version: int | None,
                now: dt.datetime | None = None) -> int:
    """Write or edit the actor's own carnet of `month` while the month's window is open.
    `expected_version` is None for a new carnet, else the version the form was opened on."""
    month = month_of(month)
    with db.transaction() as s:
        require(s, actor, Action.WRITE_CARNET, defi_id)
        promotion = promotion_of_defi(s, defi_id)
        today = local_today(promotion, now or now_utc())
        if not is_editable(month, today):
            raise PermissionDenied(t("carnet.closed", month=formats.month(month)))
        if month not in owed_months(s, promotion, actor.id, [defi_id], today):
            raise PermissionDenied(t("carnet.not_owed", month=formats.month(month)))
        carnet = s.scalar(select(MonthlyCarnet).where(MonthlyCarnet.user_id == actor.id,
                                                       MonthlyCarnet.month == month))
        if carnet is not None and carnet.defi_id != defi_id:
            raise PermissionDenied(t("carnet.other_defi"))
        db.expect_version(carnet, expected_version)
        if carnet is None:
            number, _, competencies = _phase_on(s, defi_id, min(today, add_months(month, 1) - dt.timedelta(1)))
        else:
            number = carnet.phase_number
            competencies = _phase_number(s, defi_id, number)[1]
        missing = [c for c in competencies if c not in data.ratings]
        unknown = [c for c in data.ratings if c not in competencies]
        if missing or unknown:
            raise ValueError(t("carnet.ratings_mismatch", names=", ".join(missing or unknown)))
        with audit.change(s, actor, "update" if carnet else "create", "monthly_carnet", carnet,
                          _snapshot) as change:
            carnet = carnet or change.add(MonthlyCarnet(user_id=actor.id, defi_id=defi_id, month=month,
                                                         phase_number=number, created_by_id=actor.id))
            for field in TEXT_FIELDS:
                setattr(carnet, field, getattr(data, field))
            current = {r.competency: r for r in carnet.ratings}
            for competency, value in data.ratings.items():
                if competency in current:
                    current[competency].rating = value
                else:
                    carnet.ratings.append(CompetencyRating(competency=competency, rating=value))
            db.touch(carnet, now_utc())  # a ratings-only change still bumps the version
        return carnet.id


def _snapshot(carnet: MonthlyCarnet) -> dict:
    return {**snapshot(carnet, ["user_id", "defi_id", "month", "phase_number", *TEXT_FIELDS]),
            "ratings": {r.competency: r.rating for r in carnet.ratings}}
