"""The Phases and Comités d'évaluation pages, and the committee news on the home page,
as each role sees them (AppTest on a SQLite world)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import committees, phases
from lib.clock import today_local
from lib.i18n import t
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, ObjectiveIn, ReportIn
from tests.pages.conftest import open_tab, texts

PHASES, COMMITTEES = "pages/phases.py", "pages/committees.py"


@pytest.fixture
def phase1(world):  # noqa: ANN001, ANN201
    """Alpha's first phase, with two objectives."""
    p1 = phases.defi_phases(world.coach, world.alpha_id)[0]
    phases.add_objective(world.coach, p1.id, ObjectiveIn(label="Comprendre le besoin des agents"))
    phases.add_objective(world.coach, p1.id, ObjectiveIn(label="Prototype papier"))
    return p1


@pytest.fixture
def held_committee(world, phase1):  # noqa: ANN001, ANN201
    """Phase 1's committee, held yesterday, with notes, an overdue action for the EIG and a draft report."""
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cid = committees.schedule_committee(world.coach, phase1.id, CommitteeScheduleIn(
        scheduled_at=yesterday, participant_ids=[world.eig.id, world.porteur.id]))
    view = committees.committee_for_phase(world.coach, phase1.id)
    committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="Prototype testé avec 5 agents",
                                                             innovation_rating=3), view.version)
    committees.add_action(world.coach, cid, CommitteeActionIn(
        description="Rédiger la convention de données", owner_id=world.eig.id,
        due_on=today_local() - dt.timedelta(days=2)))
    view = committees.committee_for_phase(world.coach, phase1.id)
    committees.save_report(world.coach, cid, ReportIn(text="Rapport confidentiel en cours"), view.version)
    return cid


def _publish(world, phase1):  # noqa: ANN001, ANN202
    view = committees.committee_for_phase(world.coach, phase1.id)
    committees.publish_report(world.coach, view.id, view.version)


# --- Phases ------------------------------------------------------------------------------------------


def test_sponsor_reads_where_the_defi_stands(app_as, world, phase1):
    at = app_as("sponsor", page=PHASES)
    assert not at.exception
    page = texts(at)
    assert "Phase en cours" in page and "Objectifs atteints" in page
    assert "Comprendre le besoin des agents" in [c.label for c in at.checkbox]
    assert all(c.disabled for c in at.checkbox)  # sponsors read, they do not tick
    assert len(at.get("plotly_chart")) == 2  # Gantt, progress; the promotion is in its own tab
    assert not any(b.label == "Décaler" for b in at.button)
    open_tab(at, f"phases_tabs_{world.alpha_id}", "Toute la promotion")
    assert len(at.get("plotly_chart")) == 1 and not at.checkbox  # the promotion timeline alone


def test_eig_ticks_an_objective(app_as, world, phase1):
    at = app_as("eig", page=PHASES)
    box = next(c for c in at.checkbox if c.label == "Prototype papier")
    assert not box.disabled
    box.check()
    next(b for b in at.button if b.label == "Enregistrer les objectifs cochés").click().run()
    assert not at.exception
    done = {o.label: o.done for o in phases.defi_phases(world.coach, world.alpha_id)[0].objectives}
    assert done == {"Comprendre le besoin des agents": False, "Prototype papier": True}


def test_coach_shifts_a_phase_with_a_reason(app_as, world, phase1):
    at = app_as("coach", page=PHASES)
    assert "Cadre des phases" in [tab.label for tab in at.tabs]
    p2 = phases.defi_phases(world.coach, world.alpha_id)[1]
    # One shift form per phase, in order: the second belongs to phase 2.
    shift_buttons = [i for i, b in enumerate(at.button) if b.label == "Décaler"]
    reason = [ti for ti in at.text_input if ti.label == "Raison du décalage"][1]
    end = [d for d in at.date_input if d.label == "Fin"][1]
    end.set_value(p2.planned_end + dt.timedelta(days=14))
    reason.input("Habilitations en retard")
    at.button[shift_buttons[1]].click().run()
    assert not at.exception
    moved = phases.defi_phases(world.coach, world.alpha_id)
    assert moved[1].planned_end == p2.planned_end + dt.timedelta(days=14)
    assert moved[2].shift_reason == "Habilitations en retard"


@pytest.mark.parametrize("page", [PHASES, COMMITTEES])
def test_pages_are_not_offered_outside_the_team(app_as, page):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as("outsider", page=page)


# --- Committees ------------------------------------------------------------------------------------------


def test_coach_schedules_the_committee_of_the_current_phase(app_as, world, phase1):
    at = app_as("coach", page=COMMITTEES)
    assert "pas encore planifié" in texts(at)
    next(b for b in at.button if b.label == "Planifier le comité").click().run()
    assert not at.exception
    assert "Comité planifié." in texts(at) and "pas encore planifié" not in texts(at)  # saved, drawn with its message
    current = next(p for p in phases.defi_phases(world.coach, world.alpha_id) if p.state in ("en_cours", "en_retard"))
    view = committees.committee_for_phase(world.coach, current.id)
    assert view is not None
    assert {p.name for p in view.participants} >= {"Léa EIG", "Hugo EIG", "Marc Porteur"}


def _on_phase1(app_as, login, world, tab: str | None = None):  # noqa: ANN001, ANN202
    """The committee page on phase 1, on `tab` (else the committee itself)."""
    at = app_as(login, page=COMMITTEES)
    phase = phases.defi_phases(world.coach, world.alpha_id)[0]
    at.selectbox(key=f"committee_phase_{world.alpha_id}").set_value(phase).run()
    return open_tab(at, f"committee_tabs_{phase.id}", tab) if tab else at


def test_draft_report_is_hidden_from_the_sponsor_until_published(app_as, world, phase1, held_committee):
    at = _on_phase1(app_as, "sponsor", world)
    assert not at.exception
    assert "Prototype testé avec 5 agents" in [x.value for x in at.get("text")]
    open_tab(at, f"committee_tabs_{phase1.id}", "Rapport d'évaluation")
    page = texts(at)
    assert "pas encore publié" in page
    assert "Rapport confidentiel en cours" not in page + str([a.value for a in at.text_area])
    _publish(world, phase1)
    at = _on_phase1(app_as, "sponsor", world, "Rapport d'évaluation")
    assert "Rapport confidentiel en cours" in texts(at)


def test_coach_sees_the_draft_history_and_the_dossier(app_as, world, phase1, held_committee):
    at = _on_phase1(app_as, "coach", world, "Rapport d'évaluation")
    assert not at.exception
    assert "Rapport confidentiel en cours" in [a.value for a in at.text_area]
    assert "Publier le rapport" in [b.label for b in at.button]
    page = texts(open_tab(at, f"committee_tabs_{phase1.id}", "Dossier de comité"))
    assert "Humeur et participation" in page and "Dates clés" in page
    assert t("committees.actions.overdue_count", n=1) in texts(open_tab(at, f"committee_tabs_{phase1.id}", "Actions"))
    open_tab(at, f"committee_tabs_{phase1.id}", "Historique")
    history = [e.label for e in at.expander if "Claire Coach" in e.label]
    assert any("rapport" in label for label in history) and any("succès" in label for label in history)


def test_an_empty_report_starts_from_the_committee_notes_and_saves_as_edited(app_as, world, phase1):
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cid = committees.schedule_committee(world.coach, phase1.id, CommitteeScheduleIn(scheduled_at=yesterday))
    view = committees.committee_for_phase(world.coach, phase1.id)
    committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="Prototype testé avec 5 agents",
                                                             difficulties="Données en retard"), view.version)
    at = _on_phase1(app_as, "coach", world, "Rapport d'évaluation")
    assert not at.exception and "Premier jet composé à partir des notes du comité" in texts(at)
    report = at.text_area[0]
    assert "Succès\nPrototype testé avec 5 agents" in report.value and "Difficultés\nDonnées en retard" in report.value
    report.input(report.value + "\n\nConclusion des coachs.")
    next(b for b in at.button if b.label == "Enregistrer le brouillon").click().run()
    assert not at.exception and "Rapport enregistré." in texts(at)
    saved = committees.committee_for_phase(world.coach, phase1.id).report_text
    assert saved.startswith("Comité de la phase 1") and saved.endswith("Conclusion des coachs.")
    assert "Premier jet" not in texts(at)  # a saved report is the coaches' text, not a draft from the notes


def test_eig_updates_their_own_action_from_the_committee_page(app_as, world, phase1, held_committee):
    at = _on_phase1(app_as, "eig", world, "Actions")
    action = committees.defi_actions(world.coach, world.alpha_id)[0]
    at.selectbox(key=f"status_{action.id}_{action.version}").set_value(committees.ActionStatus.DONE)
    at.button(key=f"apply_{action.id}").click().run()
    assert not at.exception
    assert committees.defi_actions(world.coach, world.alpha_id)[0].status == committees.ActionStatus.DONE
    # The porteur does not own it: no control to update it.
    at = _on_phase1(app_as, "porteur", world, "Actions")
    assert f"apply_{action.id}" not in [b.key for b in at.button]


# --- Home --------------------------------------------------------------------------------------------------


def test_eig_home_shows_their_overdue_action_and_the_published_report(app_as, world, phase1, held_committee):
    at = app_as("eig")
    page = texts(at)
    assert "Rédiger la convention de données" in page and "en retard" in page
    assert "Aucun rapport d'évaluation publié" in page
    _publish(world, phase1)
    at = app_as("eig")
    assert "Rapport confidentiel en cours" in texts(at)


def test_coach_home_flags_overdue_actions(app_as, held_committee):
    """Her défi's overdue action is a line of her to-do, with its owner and how late it is."""
    at = app_as("coach")
    page = texts(at)
    assert "**Alpha** · Action de comité en retard · :red[en retard de 2 jours]" in page
    assert "Rédiger la convention de données (Léa EIG)" in page
