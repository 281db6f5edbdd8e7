"""Phases: date arithmetic of the planned windows, shifts, states around the window
boundaries, validation after the committee, objectives and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from lib import phases
from lib.clock import plan_windows
from lib.committees import schedule_committee
from lib.errors import Conflict, PermissionDenied, StaleEdit
from lib.phases import phase_state, time_elapsed
from lib.schemas import CommitteeScheduleIn, ObjectiveIn, PhaseShiftIn, PhaseTemplateIn
from tests.unit.test_permission_matrix import PLAYERS

D = dt.date
UTC = dt.UTC


# --- Pure date arithmetic (no database) ------------------------------------------------------


def test_programme_phases_from_31_january_clamp_to_month_ends_without_drift():
    windows = plan_windows(D(2026, 1, 31), [2, 3, 3, 2])
    assert windows == [(D(2026, 1, 31), D(2026, 3, 31)), (D(2026, 3, 31), D(2026, 6, 30)),
                       (D(2026, 6, 30), D(2026, 9, 30)), (D(2026, 9, 30), D(2026, 11, 30))]


def test_one_month_from_31_january_ends_on_the_last_day_of_february():
    assert plan_windows(D(2026, 1, 31), [1, 1]) == [(D(2026, 1, 31), D(2026, 2, 28)), (D(2026, 2, 28), D(2026, 3, 31))]
    assert plan_windows(D(2028, 1, 31), [1])[0][1] == D(2028, 2, 29)  # leap year


def test_windows_are_contiguous_and_cross_the_year():
    windows = plan_windows(D(2026, 11, 15), [2, 3])
    assert windows == [(D(2026, 11, 15), D(2027, 1, 15)), (D(2027, 1, 15), D(2027, 4, 15))]
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))


@pytest.mark.parametrize(("today", "validated", "state"), [
    (D(2026, 6, 5), False, "a_venir"),    # the day before the window
    (D(2026, 6, 6), False, "en_cours"),   # first day
    (D(2026, 9, 5), False, "en_cours"),   # last day of [start, end)
    (D(2026, 9, 6), False, "en_retard"),  # the end date itself: over, not validated
    (D(2026, 9, 6), True, "validee"),
    (D(2026, 6, 1), True, "validee"),
])
def test_phase_state_around_the_window_boundaries(today, validated, state):
    assert phase_state(D(2026, 6, 6), D(2026, 9, 6), validated, today) == state


def test_time_elapsed_is_clamped_between_zero_and_one():
    start, end = D(2026, 6, 1), D(2026, 6, 11)
    assert time_elapsed(start, end, D(2026, 5, 1)) == 0.0
    assert time_elapsed(start, end, D(2026, 6, 6)) == 0.5
    assert time_elapsed(start, end, D(2026, 7, 1)) == 1.0


def test_shift_input_needs_a_reason_and_an_ordered_window():
    with pytest.raises(ValidationError):
        PhaseShiftIn(start=D(2026, 6, 6), end=D(2026, 9, 20), reason="  ")
    with pytest.raises(ValidationError):
        PhaseShiftIn(start=D(2026, 6, 6), end=D(2026, 6, 6), reason="Retard des habilitations")


# --- Services ------------------------------------------------------------------------------------


JULY_1 = D(2026, 7, 1)


def _phase(world, number, today=JULY_1, actor=None):  # noqa: ANN001, ANN202
    return next(p for p in phases.defi_phases(actor or world.coach, world.alpha_id, today) if p.number == number)


def test_defi_phases_follow_the_promotion_templates(world):
    views = phases.defi_phases(world.sponsor, world.alpha_id, D(2026, 7, 1))
    assert [(p.number, p.planned_start, p.planned_end) for p in views] == [
        (1, D(2026, 4, 6), D(2026, 6, 6)), (2, D(2026, 6, 6), D(2026, 9, 6)),
        (3, D(2026, 9, 6), D(2026, 12, 6)), (4, D(2026, 12, 6), D(2027, 2, 6))]
    assert [p.state for p in views] == ["en_retard", "en_cours", "a_venir", "a_venir"]
    assert not any(p.shifted for p in views)


def test_shifting_a_phase_moves_the_later_ones_and_keeps_the_reason(world):
    p2 = _phase(world, 2)
    moved = phases.shift_phase(world.coach, p2.id, PhaseShiftIn(start=p2.planned_start, end=D(2026, 9, 20),
                                                                 reason="Habilitations en retard"), p2.version)
    assert len(moved) == 3
    today = D(2026, 9, 10)  # after the planned end of phase 2, before its shifted end
    views = {p.number: p for p in phases.defi_phases(world.eig, world.alpha_id, today)}
    assert (views[1].planned_start, views[1].planned_end, views[1].shifted) == (D(2026, 4, 6), D(2026, 6, 6), False)
    assert (views[2].planned_end, views[2].template_end, views[2].state) == (D(2026, 9, 20), D(2026, 9, 6), "en_cours")
    assert (views[3].planned_start, views[3].planned_end) == (D(2026, 9, 20), D(2026, 12, 20))
    assert (views[4].planned_start, views[4].planned_end) == (D(2026, 12, 20), D(2027, 2, 20))
    assert views[3].shift_reason == "Habilitations en retard" and views[3].state == "a_venir"
    # Beta is not affected.
    beta = phases.defi_phases(world.coach, world.beta_id, today)
    assert beta[1].planned_end == D(2026, 9, 6) and beta[1].state == "en_retard"


def test_shift_without_cascade_moves_only_that_phase(world):
    p1 = _phase(world, 1)
    phases.shift_phase(world.coach, p1.id, PhaseShiftIn(start=D(2026, 4, 13), end=D(2026, 6, 6), reason="Arrivée",
                                                        cascade=False), p1.version)
    views = phases.defi_phases(world.coach, world.alpha_id, D(2026, 4, 10))
    assert views[0].planned_start == D(2026, 4, 13) and views[0].state == "a_venir"
    assert views[1].planned_start == D(2026, 6, 6)


def test_stale_shift_is_refused(world):
    p2 = _phase(world, 2)
    data = PhaseShiftIn(start=p2.planned_start, end=D(2026, 9, 13), reason="Retard")
    phases.shift_phase(world.coach, p2.id, data, p2.version)
    with pytest.raises(StaleEdit):
        phases.shift_phase(world.coach, p2.id, data, p2.version)


def test_validation_needs_the_committee_to_have_met(world):
    p1 = _phase(world, 1)
    with pytest.raises(Conflict):
        phases.validate_phase(world.coach, p1.id, p1.version, now=dt.datetime(2026, 6, 10, tzinfo=UTC))
    meeting = dt.datetime(2026, 6, 5, 9, 0, tzinfo=UTC)
    schedule_committee(world.coach, p1.id, CommitteeScheduleIn(scheduled_at=meeting))
    p1 = _phase(world, 1)
    with pytest.raises(Conflict):
        phases.validate_phase(world.coach, p1.id, p1.version, now=meeting - dt.timedelta(minutes=1))
    phases.validate_phase(world.coach, p1.id, p1.version, now=meeting)
    p1 = _phase(world, 1)
    assert p1.state == "validee" and p1.validated_at == meeting and p1.validated_by == "Claire Coach"
    with pytest.raises(Conflict):
        phases.shift_phase(world.coach, p1.id, PhaseShiftIn(start=p1.planned_start, end=D(2026, 6, 20),
                                                            reason="Trop tard"), p1.version)


def test_objectives_checklist_and_progress(world):
    p2 = _phase(world, 2)
    first = phases.add_objective(world.coach, p2.id, ObjectiveIn(label="Tester le prototype avec 5 agents"))
    phases.add_objective(world.coach, p2.id, ObjectiveIn(label="Ouvrir le dépôt de code"))
    with pytest.raises(PermissionDenied):
        phases.add_objective(world.eig, p2.id, ObjectiveIn(label="Objectif de l'EIG"))
    version = _phase(world, 2).objectives[0].version
    phases.tick_objectives(world.porteur, {first: (True, version)}, now=dt.datetime(2026, 7, 1, 12, tzinfo=UTC))
    p2 = _phase(world, 2, today=D(2026, 7, 22))
    assert [o.label for o in p2.objectives] == ["Tester le prototype avec 5 agents", "Ouvrir le dépôt de code"]
    assert p2.objectives[0].done and p2.objectives[0].done_by == "Marc Porteur"
    assert (p2.objectives_done, p2.objectives_share) == (1, 0.5)
    assert p2.time_elapsed == pytest.approx(46 / 92)
    table = phases.progress_table([p2])
    assert table.loc[0, ["objectives_pct", "time_pct"]].tolist() == [50, 50]
    with pytest.raises(StaleEdit):
        phases.tick_objectives(world.eig, {first: (False, version)})
    with pytest.raises(PermissionDenied):
        phases.tick_objectives(world.sponsor, {first: (False, p2.objectives[0].version)})
    phases.tick_objectives(world.eig, {first: (False, p2.objectives[0].version)})
    assert _phase(world, 2).objectives_done == 0
    # One form, one transaction: a stale objective among the ticked ones writes none of them.
    first_now, second_now = _phase(world, 2).objectives
    with pytest.raises(StaleEdit):
        phases.tick_objectives(world.eig, {first_now.id: (True, first_now.version),
                                           second_now.id: (True, second_now.version - 1)})
    assert _phase(world, 2).objectives_done == 0


def test_template_length_change_replans_unshifted_defis_only(world):
    p2 = _phase(world, 2)
    phases.shift_phase(world.coach, p2.id, PhaseShiftIn(start=p2.planned_start, end=D(2026, 9, 20), reason="Retard"),
                       p2.version)
    template = next(tp for tp in phases.list_templates(world.coach, world.promotion_id) if tp.number == 1)
    data = PhaseTemplateIn(name=template.name, summary=template.summary, months=3,
                           eig_competencies=template.eig_competencies, porteur_competencies=["Stratégie"])
    with pytest.raises(PermissionDenied):
        phases.update_template(world.eig, template.id, data, template.version)
    assert phases.update_template(world.coach, template.id, data, template.version) == 1  # Beta only
    beta = phases.defi_phases(world.coach, world.beta_id, D(2026, 7, 1))
    assert [(p.planned_start, p.planned_end) for p in beta][:2] == [(D(2026, 4, 6), D(2026, 7, 6)),
                                                                    (D(2026, 7, 6), D(2026, 10, 6))]
    assert _phase(world, 1).planned_end == D(2026, 6, 6)  # Alpha was shifted by hand: kept
    assert phases.list_templates(world.eig, world.promotion_id)[0].porteur_competencies == ["Stratégie"]


def test_promotion_timeline_shows_each_person_what_they_follow(world):
    coach = phases.promotion_timeline(world.coach, world.promotion_id, D(2026, 7, 1))
    assert sorted(coach["defi"].unique()) == ["Alpha", "Beta"] and len(coach) == 8
    eig = phases.promotion_timeline(world.eig, world.promotion_id, D(2026, 7, 1))
    assert list(eig["defi"].unique()) == ["Alpha"]
    with pytest.raises(PermissionDenied):
        phases.promotion_timeline(world.outsider, world.promotion_id)
    with pytest.raises(PermissionDenied):
        phases.list_templates(world.gamma_eig, world.promotion_id)


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_phase_services_follow_the_matrix(world, player):
    """Read: the team; tick: staff, EIGs, porteurs; shift, objectives, validate: staff."""
    actor, column = getattr(world, player), PLAYERS[player]
    team = column in {"staff", "eig", "porteur", "sponsor"}
    p2 = _phase(world, 2)
    objective = phases.add_objective(world.coach, p2.id, ObjectiveIn(label="Objectif"))
    calls = {
        "read": (team, lambda: phases.defi_phases(actor, world.alpha_id)),
        "tick": (column in {"staff", "eig", "porteur"},
                 lambda: phases.tick_objectives(actor, {objective: (True, 1)})),
        "add": (column == "staff", lambda: phases.add_objective(actor, p2.id, ObjectiveIn(label="Autre"))),
        "shift": (column == "staff", lambda: phases.shift_phase(
            actor, p2.id, PhaseShiftIn(start=p2.planned_start, end=D(2026, 9, 13), reason="R"), p2.version)),
    }
    for allowed, call in calls.values():
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
