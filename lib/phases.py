"""Phases of a défi: planned windows computed from the promotion's start and its
phase templates, and the current phase of a défi."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.clock import add_months
from lib.models import Defi, DefiPhase, PhaseTemplate, Promotion


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
    for template, (start, end) in zip(templates, plan_windows(promotion.start_date, [t.months for t in templates]),
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
