"""The individual monthly carnet: each EIG's objectives, needs, learnings, trajectory and
1-4 self-ratings on the competencies of their défi's current phase.

Private (docs/design.md, Permissions): the EIG and the coaches read it; porteurs, sponsors and
other EIGs never do, whatever page calls these services. A month's carnet is writable
during that month and the next 7 days (local time), read-only afterwards.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import db, formats
from lib.audit import record, snapshot
from lib.clock import add_months, now_utc
from lib.errors import NotFound, PermissionDenied, StaleEdit
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


def _local_today(s: Session, defi_id: int, now: dt.datetime | None) -> dt.date:
    tz = s.scalar(select(Promotion.timezone).join(Defi, Defi.promotion_id == Promotion.id)
                  .where(Defi.id == defi_id)) or "Europe/Paris"
    return (now or now_utc()).astimezone(ZoneInfo(tz)).date()


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
        today = _local_today(s, defi_id, now)
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


def carnets_of(actor: Actor, defi_id: int, user_id: int, now: dt.datetime | None = None) -> list[CarnetView]:
    """An EIG's carnets in this défi, newest month first."""
    with db.reading() as s:
        _require_read(s, actor, defi_id, user_id)
        today = _local_today(s, defi_id, now)
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
    """For coaches: the défi's active EIGs, whether this month's carnet is written, and
    how many carnets each has written."""
    with db.reading() as s:
        require(s, actor, Action.READ_ANY_CARNET, defi_id)
        month = month_of(_local_today(s, defi_id, now))
        eigs = s.execute(
            select(User.id, User.display_name).join(Membership, Membership.user_id == User.id)
            .where(Membership.defi_id == defi_id, Membership.role == DefiRole.EIG, User.active.is_(True))
            .order_by(User.display_name)).all()
        counts: dict[int, int] = {}
        this_month: set[int] = set()
        for user_id, m in s.execute(select(MonthlyCarnet.user_id, MonthlyCarnet.month)
                                    .where(MonthlyCarnet.defi_id == defi_id)):
            counts[user_id] = counts.get(user_id, 0) + 1
            if m == month:
                this_month.add(user_id)
    return pd.DataFrame([(i, n, i in this_month, counts.get(i, 0)) for i, n in eigs],
                        columns=["user_id", "eig", "written_this_month", "carnets"])


def missing_this_month(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """For coaches: active EIGs of the promotion who have not written this month's carnet."""
    require_staff(actor)
    with db.reading() as s:
        tz = s.scalar(select(Promotion.timezone).where(Promotion.id == promotion_id))
        if tz is None:
            raise NotFound(t("error.not_found"))
        month = month_of((now or now_utc()).astimezone(ZoneInfo(tz)).date())
        wrote = select(MonthlyCarnet.user_id).where(MonthlyCarnet.month == month,
                                                     MonthlyCarnet.defi_id == Defi.id)
        rows = s.execute(
            select(Defi.name, User.display_name).join(Membership, Membership.defi_id == Defi.id)
            .join(User, User.id == Membership.user_id)
            .where(Defi.promotion_id == promotion_id, Membership.role == DefiRole.EIG, User.active.is_(True),
                   User.id.not_in(wrote))
            .order_by(Defi.name, User.display_name)).all()
    return pd.DataFrame(rows, columns=["defi", "eig"])


# --- Write ----------------------------------------------------------------------------------


def save_carnet(actor: Actor, defi_id: int, month: dt.date, data: CarnetIn, expected_version: int | None,
                now: dt.datetime | None = None) -> int:
    """Write or edit the actor's own carnet of `month` while the month's window is open.
    `expected_version` is None for a new carnet, else the version the form was opened on."""
    month = month_of(month)
    with db.transaction() as s:
        require(s, actor, Action.WRITE_CARNET, defi_id)
        today = _local_today(s, defi_id, now)
        if not is_editable(month, today):
            raise PermissionDenied(t("carnet.closed", month=formats.month(month)))
        carnet = s.scalar(select(MonthlyCarnet).where(MonthlyCarnet.user_id == actor.id,
                                                       MonthlyCarnet.month == month))
        if carnet is not None and carnet.defi_id != defi_id:
            raise PermissionDenied(t("carnet.other_defi"))
        if (carnet.version if carnet else None) != expected_version:
            raise StaleEdit()
        if carnet is None:
            number, _, competencies = _phase_on(s, defi_id, min(today, add_months(month, 1) - dt.timedelta(1)))
        else:
            number = carnet.phase_number
            competencies = _phase_number(s, defi_id, number)[1]
        missing = [c for c in competencies if c not in data.ratings]
        unknown = [c for c in data.ratings if c not in competencies]
        if missing or unknown:
            raise ValueError(t("carnet.ratings_mismatch", names=", ".join(missing or unknown)))
        before = _snapshot(carnet) if carnet else None
        if carnet is None:
            carnet = MonthlyCarnet(user_id=actor.id, defi_id=defi_id, month=month, phase_number=number,
                                    created_by_id=actor.id)
            s.add(carnet)
        for field in TEXT_FIELDS:
            setattr(carnet, field, getattr(data, field))
        current = {r.competency: r for r in carnet.ratings}
        for competency, value in data.ratings.items():
            if competency in current:
                current[competency].rating = value
            else:
                carnet.ratings.append(CompetencyRating(competency=competency, rating=value))
        carnet.updated_at = now_utc()  # a ratings-only change still bumps the version
        s.flush()
        record(s, actor, "update" if before else "create", "monthly_carnet", carnet.id, before=before,
               after=_snapshot(carnet))
        return carnet.id


def _snapshot(carnet: MonthlyCarnet) -> dict:
    return {**snapshot(carnet, ["user_id", "defi_id", "month", "phase_number", *TEXT_FIELDS]),
            "ratings": {r.competency: r.rating for r in carnet.ratings}}
