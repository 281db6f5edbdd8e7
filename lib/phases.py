"""Phases of a défi: planned windows computed from the promotion's start and its
phase templates (editable by coaches), shifts, states, objectives, validation, and
the promotion-wide timeline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lib import db
from lib.audit import record, snapshot
from lib.clock import add_months, now_utc, today_local
from lib.errors import Conflict, NotFound, PermissionDenied, StaleEdit
from lib.i18n import t
from lib.models import Committee, Defi, DefiPhase, PhaseObjective, PhaseTemplate, Promotion, User
from lib.permissions import Action, Actor, defis_where, member_promotions, require, require_staff, staff
from lib.schemas import ObjectiveIn, PhaseShiftIn, PhaseTemplateIn


def plan_windows(start: dt.date, months: list[int]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive [start, end) windows of the given month lengths from `start`."""
    windows, cursor, elapsed = [], start, 0
    for length in months:
        elapsed += length
        end = add_months(start, elapsed)
        windows.append((cursor, end))
        cursor = end
    return windows


def create_defi_phases(session: Session, defi: Defi, promotion: Promotion) -> list[DefiPhase]:
    """The défi's phases as the promotion's templates plan them (coaches may shift them later)."""
    templates = session.scalars(
        select(PhaseTemplate).where(PhaseTemplate.promotion_id == promotion.id).order_by(PhaseTemplate.number)
    ).all()
    phases = []
    for template, (start, end) in zip(templates, plan_windows(promotion.start_date, [tp.months for tp in templates]),
                                      strict=True):
        phase = DefiPhase(defi_id=defi.id, phase_template_id=template.id, planned_start=start, planned_end=end,
                          created_by_id=defi.created_by_id)
        session.add(phase)
        phases.append(phase)
    return phases


def current_phase_numbers(session: Session, defi_ids: list[int], today: dt.date) -> dict[int, tuple[int, str]]:
    """{defi_id: (phase number, phase name)} of the phase whose window contains today."""
    rows = session.execute(
        select(DefiPhase.defi_id, PhaseTemplate.number, PhaseTemplate.name)
        .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
        .where(DefiPhase.defi_id.in_(defi_ids), DefiPhase.planned_start <= today, DefiPhase.planned_end > today)
    )
    return {defi_id: (number, name) for defi_id, number, name in rows}


# --- Status and progress (pure) --------------------------------------------------------------


def phase_state(start: dt.date, end: dt.date, validated: bool, today: dt.date) -> str:
    """à venir, en cours, validée par le comité, or en retard (window over, not validated).
    The window is [start, end): on `end` the phase is already late if not validated."""
    if validated:
        return "validee"
    if today < start:
        return "a_venir"
    return "en_cours" if today < end else "en_retard"


def time_elapsed(start: dt.date, end: dt.date, today: dt.date) -> float:
    """Share of the [start, end) window already elapsed on `today`, between 0 and 1."""
    span = (end - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (today - start).days / span))


# --- Read models ------------------------------------------------------------------------------


class TemplateInfo(BaseModel):
    id: int
    number: int
    name: str
    summary: str
    months: int
    eig_competencies: list[str]
    porteur_competencies: list[str]
    version: int


class ObjectiveInfo(BaseModel):
    id: int
    label: str
    done: bool
    done_at: dt.datetime | None
    done_by: str | None
    version: int


class PhaseView(BaseModel):
    """One phase of one défi as the Phases page shows it."""

    id: int
    defi_id: int
    number: int
    name: str
    summary: str
    eig_competencies: list[str]
    porteur_competencies: list[str]
    planned_start: dt.date  # the actual window (after any shift)
    planned_end: dt.date
    template_start: dt.date  # the window the promotion's templates plan
    template_end: dt.date
    shift_reason: str
    state: str
    validated_at: dt.datetime | None
    validated_by: str | None
    objectives: list[ObjectiveInfo]
    objectives_done: int
    time_elapsed: float
    committee_id: int | None
    committee_at: dt.datetime | None
    version: int

    @property
    def shifted(self) -> bool:
        return (self.planned_start, self.planned_end) != (self.template_start, self.template_end)

    @property
    def objectives_share(self) -> float:
        return self.objectives_done / len(self.objectives) if self.objectives else 0.0


# --- Templates ------------------------------------------------------------------------------


def _can_see_promotion(s: Session, actor: Actor, promotion_id: int) -> bool:
    return staff(actor) or (actor.active and promotion_id in member_promotions(s, actor))


def list_templates(actor: Actor, promotion_id: int) -> list[TemplateInfo]:
    """The promotion's phase framework (its members and the coaches read it)."""
    with db.reading() as s:
        if not _can_see_promotion(s, actor, promotion_id):
            raise PermissionDenied(t("error.permission_denied"))
        rows = s.scalars(select(PhaseTemplate).where(PhaseTemplate.promotion_id == promotion_id)
                         .order_by(PhaseTemplate.number))
        return [TemplateInfo(id=p.id, number=p.number, name=p.name, summary=p.summary, months=p.months,
                             eig_competencies=list(p.eig_competencies or []),
                             porteur_competencies=list(p.porteur_competencies or []), version=p.version)
                for p in rows]


TEMPLATE_FIELDS = ["name", "summary", "months", "eig_competencies", "porteur_competencies"]


def update_template(actor: Actor, template_id: int, data: PhaseTemplateIn, expected_version: int) -> int:
    """Coaches edit a phase of the framework. When its length changes, the défis of the
    promotion whose phases were never shifted by hand are re-planned (a shifted défi keeps
    the window its coach chose). Returns how many défis were re-planned."""
    require_staff(actor)
    with db.transaction() as s:
        template = s.get(PhaseTemplate, template_id)
        if template is None:
            raise NotFound(t("error.not_found"))
        if template.version != expected_version:
            raise StaleEdit()
        before = snapshot(template, TEMPLATE_FIELDS)
        template.name, template.summary, template.months = data.name, data.summary, data.months
        template.eig_competencies = list(data.eig_competencies)
        template.porteur_competencies = list(data.porteur_competencies)
        s.flush()
        record(s, actor, "update", "phase_template", template.id, before=before,
               after=snapshot(template, TEMPLATE_FIELDS))
        if before["months"] == data.months:
            return 0
        return _replan_unshifted(s, actor, template.promotion_id)


def _replan_unshifted(s: Session, actor: Actor, promotion_id: int) -> int:
    promotion = s.get(Promotion, promotion_id)
    templates = s.scalars(select(PhaseTemplate).where(PhaseTemplate.promotion_id == promotion_id)
                          .order_by(PhaseTemplate.number)).all()
    plan = dict(zip([tp.id for tp in templates], plan_windows(promotion.start_date, [tp.months for tp in templates]),
                    strict=True))
    replanned = 0
    for defi_id in s.scalars(select(Defi.id).where(Defi.promotion_id == promotion_id)):
        phases = s.scalars(select(DefiPhase).where(DefiPhase.defi_id == defi_id)).all()
        if any(p.shift_reason for p in phases):
            continue
        for phase in phases:
            start, end = plan[phase.phase_template_id]
            if (phase.planned_start, phase.planned_end) != (start, end):
                before = snapshot(phase, ["planned_start", "planned_end"])
                phase.planned_start, phase.planned_end = start, end
                record(s, actor, "replan", "defi_phase", phase.id, before=before,
                       after=snapshot(phase, ["planned_start", "planned_end"]))
        replanned += 1
    return replanned


# --- A défi's phases ------------------------------------------------------------------------


def defi_phases(actor: Actor, defi_id: int, today: dt.date | None = None) -> list[PhaseView]:
    """The défi's phases with their state, objectives, progress and committee."""
    today = today or today_local()
    with db.reading() as s:
        require(s, actor, Action.READ_PHASES, defi_id)
        return _phase_views(s, defi_id, today)


def _phase_views(s: Session, defi_id: int, today: dt.date) -> list[PhaseView]:
    defi = s.get(Defi, defi_id)
    if defi is None:
        raise NotFound(t("error.not_found"))
    promotion = s.get(Promotion, defi.promotion_id)
    templates = s.scalars(select(PhaseTemplate).where(PhaseTemplate.promotion_id == promotion.id)
                          .order_by(PhaseTemplate.number)).all()
    plan = dict(zip([tp.id for tp in templates], plan_windows(promotion.start_date, [tp.months for tp in templates]),
                    strict=True))
    validator = aliased(User)
    rows = s.execute(
        select(DefiPhase, PhaseTemplate, validator.display_name, Committee.id, Committee.scheduled_at)
        .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
        .outerjoin(validator, validator.id == DefiPhase.validated_by_id)
        .outerjoin(Committee, Committee.defi_phase_id == DefiPhase.id)
        .where(DefiPhase.defi_id == defi_id).order_by(PhaseTemplate.number)).all()
    ids = [phase.id for phase, *_ in rows]
    objectives: dict[int, list[ObjectiveInfo]] = {i: [] for i in ids}
    for o, who in s.execute(
            select(PhaseObjective, User.display_name).outerjoin(User, User.id == PhaseObjective.done_by_id)
            .where(PhaseObjective.defi_phase_id.in_(ids or [-1]))
            .order_by(PhaseObjective.position, PhaseObjective.id)):
        objectives[o.defi_phase_id].append(ObjectiveInfo(id=o.id, label=o.label, done=o.done, done_at=o.done_at,
                                                         done_by=who if o.done else None, version=o.version))
    out = []
    for phase, template, validated_by, committee_id, committee_at in rows:
        start, end = plan.get(template.id, (phase.planned_start, phase.planned_end))
        objs = objectives[phase.id]
        out.append(PhaseView(
            id=phase.id, defi_id=defi_id, number=template.number, name=template.name, summary=template.summary,
            eig_competencies=list(template.eig_competencies or []),
            porteur_competencies=list(template.porteur_competencies or []),
            planned_start=phase.planned_start, planned_end=phase.planned_end, template_start=start,
            template_end=end, shift_reason=phase.shift_reason,
            state=phase_state(phase.planned_start, phase.planned_end, phase.validated_at is not None, today),
            validated_at=phase.validated_at, validated_by=validated_by, objectives=objs,
            objectives_done=sum(o.done for o in objs),
            time_elapsed=time_elapsed(phase.planned_start, phase.planned_end, today),
            committee_id=committee_id, committee_at=committee_at, version=phase.version))
    return out


def progress_table(phases: list[PhaseView]) -> pd.DataFrame:
    """Per phase: share of objectives done and share of time elapsed (the bars' data)."""
    return pd.DataFrame([{"phase": f"{p.number}. {p.name}", "objectifs": round(p.objectives_share * 100),
                          "temps": round(p.time_elapsed * 100), "faits": p.objectives_done,
                          "total": len(p.objectives), "etat": t(f"phase_state.{p.state}")} for p in phases],
                        columns=["phase", "objectifs", "temps", "faits", "total", "etat"])


def _load_phase(s: Session, defi_phase_id: int) -> DefiPhase:
    phase = s.get(DefiPhase, defi_phase_id)
    if phase is None:
        raise NotFound(t("error.not_found"))
    return phase


WINDOW_FIELDS = ["planned_start", "planned_end", "shift_reason"]


def shift_phase(actor: Actor, defi_phase_id: int, data: PhaseShiftIn, expected_version: int) -> list[int]:
    """A coach moves one défi's phase to a new window, with a reason; with `cascade`, the
    later phases move by as many days as the end moved. Returns the ids of moved phases."""
    with db.transaction() as s:
        phase = _load_phase(s, defi_phase_id)
        require(s, actor, Action.WRITE_PHASES, phase.defi_id)
        if phase.version != expected_version:
            raise StaleEdit()
        if phase.validated_at is not None:
            raise Conflict(t("phases.shift.validated"))
        delta = data.end - phase.planned_end
        moved = [(phase, data.start, data.end)]
        if data.cascade and delta:
            later = s.execute(
                select(DefiPhase).join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                .where(DefiPhase.defi_id == phase.defi_id, PhaseTemplate.number > phase.template.number)
                .order_by(PhaseTemplate.number)).scalars().all()
            moved += [(p, p.planned_start + delta, p.planned_end + delta) for p in later if p.validated_at is None]
        for p, start, end in moved:
            before = snapshot(p, WINDOW_FIELDS)
            p.planned_start, p.planned_end, p.shift_reason = start, end, data.reason
            s.flush()
            record(s, actor, "shift", "defi_phase", p.id, before=before, after=snapshot(p, WINDOW_FIELDS))
        return [p.id for p, _, _ in moved]


def validate_phase(actor: Actor, defi_phase_id: int, expected_version: int, now: dt.datetime | None = None) -> None:
    """The explicit coach action closing a phase: only once its committee has met."""
    now = now or now_utc()
    with db.transaction() as s:
        phase = _load_phase(s, defi_phase_id)
        require(s, actor, Action.WRITE_PHASES, phase.defi_id)
        if phase.version != expected_version:
            raise StaleEdit()
        if phase.validated_at is not None:
            raise Conflict(t("phases.validate.already"))
        committee_at = s.scalar(select(Committee.scheduled_at).where(Committee.defi_phase_id == phase.id))
        if committee_at is None:
            raise Conflict(t("phases.validate.no_committee"))
        if now < committee_at:
            raise Conflict(t("phases.validate.too_early"))
        phase.validated_at, phase.validated_by_id = now, actor.id
        s.flush()
        record(s, actor, "validate", "defi_phase", phase.id, before={"validated_at": None},
               after={"validated_at": now.isoformat()}, at=now)


# --- Objectives -----------------------------------------------------------------------------


def add_objective(actor: Actor, defi_phase_id: int, data: ObjectiveIn) -> int:
    with db.transaction() as s:
        phase = _load_phase(s, defi_phase_id)
        require(s, actor, Action.WRITE_PHASES, phase.defi_id)
        position = (s.scalar(select(func.max(PhaseObjective.position))
                             .where(PhaseObjective.defi_phase_id == phase.id)) or 0) + 1
        objective = PhaseObjective(defi_phase_id=phase.id, position=position, label=data.label,
                                   created_by_id=actor.id)
        s.add(objective)
        s.flush()
        record(s, actor, "create", "phase_objective", objective.id, after={"label": data.label,
                                                                            "defi_phase_id": phase.id})
        return objective.id


def _load_objective(s: Session, objective_id: int) -> tuple[PhaseObjective, int]:
    row = s.execute(select(PhaseObjective, DefiPhase.defi_id).join(DefiPhase)
                    .where(PhaseObjective.id == objective_id)).first()
    if row is None:
        raise NotFound(t("error.not_found"))
    return row[0], row[1]


def tick_objectives(actor: Actor, ticks: dict[int, tuple[bool, int]], now: dt.datetime | None = None) -> None:
    """The team, its porteurs and the coaches tick (or untick) objectives, given as
    {objective id: (done, version the form was opened on)}: all of them or none."""
    now = now or now_utc()
    with db.transaction() as s:
        for objective_id, (done, expected_version) in ticks.items():
            objective, defi_id = _load_objective(s, objective_id)
            require(s, actor, Action.TICK_OBJECTIVE, defi_id)
            if objective.version != expected_version:
                raise StaleEdit()
            if objective.done == done:
                continue
            objective.done = done
            objective.done_at, objective.done_by_id = (now, actor.id) if done else (None, None)
            s.flush()
            record(s, actor, "tick" if done else "untick", "phase_objective", objective.id,
                   before={"done": not done}, after={"done": done}, at=now)


# --- The promotion's timeline ----------------------------------------------------------------


def promotion_timeline(actor: Actor, promotion_id: int, today: dt.date | None = None) -> pd.DataFrame:
    """Every phase of every défi of the promotion the actor may follow (all of them for
    coaches, their own for members), for the promotion-wide timeline."""
    today = today or today_local()
    columns = ["defi_id", "defi", "number", "phase", "start", "end", "state", "shifted"]
    with db.reading() as s:
        if not _can_see_promotion(s, actor, promotion_id):
            raise PermissionDenied(t("error.permission_denied"))
        query = (select(Defi.id, Defi.name, PhaseTemplate.number, PhaseTemplate.name, DefiPhase.planned_start,
                        DefiPhase.planned_end, DefiPhase.validated_at, DefiPhase.shift_reason)
                 .join(DefiPhase, DefiPhase.defi_id == Defi.id)
                 .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                 .where(Defi.promotion_id == promotion_id).order_by(Defi.name, PhaseTemplate.number))
        rows = s.execute(query.where(defis_where(actor, Action.READ_PHASES))).all()
    return pd.DataFrame([{"defi_id": i, "defi": d, "number": n, "phase": f"{n}. {p}", "start": a, "end": b,
                          "state": phase_state(a, b, v is not None, today), "shifted": bool(r)}
                         for i, d, n, p, a, b, v, r in rows], columns=columns)
