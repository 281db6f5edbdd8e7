"""The Phases and Comités d'évaluation pages, and the committee news on the home page,
as each role sees them (AppTest on a SQLite world)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import committees, phases
from lib.clock import now_utc, today_local
from lib.i18n import t
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, ObjectiveIn, ReportIn
from tests.conftest import set_clock
from tests.moments import WEDNESDAY
from tests.pages.conftest import form_button, offered, open_tab, texts

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
    yesterday = now_utc() - dt.timedelta(days=1)
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
    assert t("phases.metric.current") in page and t("phases.metric.objectives") in page
    assert "Comprendre le besoin des agents" in [c.label for c in at.checkbox]
    assert all(c.disabled for c in at.checkbox)  # sponsors read, they do not tick
    assert len(at.get("plotly_chart")) == 2  # Gantt, progress; the promotion is in its own tab
    assert t("phases.shift.submit") not in [b.label for b in at.button]
    open_tab(at, f"phases_tabs_{world.alpha_id}", t("phases.tab.promotion"))
    assert len(at.get("plotly_chart")) == 1 and not at.checkbox  # the promotion timeline alone


def test_eig_ticks_an_objective(app_as, world, phase1):
    at = app_as("eig", page=PHASES)
    objectives = phases.defi_phases(world.coach, world.alpha_id)[0].objectives
    paper = next(o for o in objectives if o.label == "Prototype papier")
    box = at.checkbox(key=f"obj_{paper.id}_{paper.version}")
    assert not box.disabled
    box.check()
    form_button(at, f"objectives_{phase1.id}", t("phases.objectives.save")).click().run()
    assert not at.exception
    done = {o.label: o.done for o in phases.defi_phases(world.coach, world.alpha_id)[0].objectives}
    assert done == {"Comprendre le besoin des agents": False, "Prototype papier": True}


def test_coach_shifts_a_phase_with_a_reason(app_as, world, phase1):
    at = app_as("coach", page=PHASES)
    assert t("phases.tab.templates") in [tab.label for tab in at.tabs]
    p2 = phases.defi_phases(world.coach, world.alpha_id)[1]
    shift = f"phase_shift_{p2.id}_{p2.version}"  # the form and its fields, opened on that version
    at.date_input(key=f"{shift}_end").set_value(p2.planned_end + dt.timedelta(days=14))
    at.text_input(key=f"{shift}_reason").input("Habilitations en retard")
    form_button(at, shift, t("phases.shift.submit")).click().run()
    assert not at.exception
    moved = phases.defi_phases(world.coach, world.alpha_id)
    assert moved[1].planned_end == p2.planned_end + dt.timedelta(days=14)
    assert moved[2].shift_reason == "Habilitations en retard"


@pytest.mark.parametrize("page", [PHASES, COMMITTEES])
def test_pages_are_not_offered_outside_the_team(app_as, page):
    assert not offered(app_as("outsider"), page)


# --- Committees ------------------------------------------------------------------------------------------


def test_coach_schedules_the_committee_of_the_current_phase(app_as, world, phase1, monkeypatch):
    set_clock(monkeypatch, WEDNESDAY)  # a phase under way
    current = next(p for p in phases.defi_phases(world.coach, world.alpha_id) if p.state in ("en_cours", "en_retard"))
    at = app_as("coach", page=COMMITTEES)
    assert t("committees.schedule.none_staff") in texts(at)
    form_button(at, f"committee_schedule_phase{current.id}_None", t("committees.schedule.submit")).click().run()
    assert not at.exception
    # Saved, and drawn with its message.
    assert t("committees.schedule.saved") in texts(at) and t("committees.schedule.none_staff") not in texts(at)
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
    open_tab(at, f"committee_tabs_{phase1.id}", t("committees.tab.report"))
    page = texts(at)
    assert t("committees.report.not_published") in page
    assert "Rapport confidentiel en cours" not in page + str([a.value for a in at.text_area])
    _publish(world, phase1)
    at = _on_phase1(app_as, "sponsor", world, t("committees.tab.report"))
    assert "Rapport confidentiel en cours" in texts(at)


def test_coach_sees_the_draft_history_and_the_dossier(app_as, world, phase1, held_committee):
    at = _on_phase1(app_as, "coach", world, t("committees.tab.report"))
    assert not at.exception
    assert "Rapport confidentiel en cours" in [a.value for a in at.text_area]
    assert f"publish_report_{held_committee}" in [b.key for b in at.button]
    page = texts(open_tab(at, f"committee_tabs_{phase1.id}", t("committees.tab.dossier")))
    assert t("dossier.section.mood") in page and t("dossier.section.key_dates") in page
    actions = open_tab(at, f"committee_tabs_{phase1.id}", t("committees.tab.actions"))
    assert t("committees.actions.overdue_count", n=1) in texts(actions)
    open_tab(at, f"committee_tabs_{phase1.id}", t("committees.tab.history"))
    history = [e.label for e in at.expander if " · Claire Coach · " in e.label]
    assert any(f" · {t('committees.history.action.report')} · " in label for label in history)
    assert any(t("committees.field.successes") in label.split(" · ")[-1] for label in history)


def test_an_empty_report_starts_from_the_committee_notes_and_saves_as_edited(app_as, world, phase1):
    yesterday = now_utc() - dt.timedelta(days=1)
    cid = committees.schedule_committee(world.coach, phase1.id, CommitteeScheduleIn(scheduled_at=yesterday))
    view = committees.committee_for_phase(world.coach, phase1.id)
    committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="Prototype testé avec 5 agents",
                                                             difficulties="Données en retard"), view.version)
    at = _on_phase1(app_as, "coach", world, t("committees.tab.report"))
    assert not at.exception and t("committees.report.from_notes") in texts(at)
    form = f"committee_report_{cid}_{committees.committee_for_phase(world.coach, phase1.id).version}"
    report = at.text_area(key=f"{form}_text")
    assert f"{t('committees.notes.successes')}\nPrototype testé avec 5 agents" in report.value
    assert f"{t('committees.notes.difficulties')}\nDonnées en retard" in report.value
    report.input(report.value + "\n\nConclusion des coachs.")
    form_button(at, form, t("committees.report.save")).click().run()
    assert not at.exception and t("committees.report.saved") in texts(at)
    saved = committees.committee_for_phase(world.coach, phase1.id).report_text
    assert saved.startswith(t("committees.draft.heading", number=1, phase=phase1.name, date="").split(" · ")[0])
    assert saved.endswith("Conclusion des coachs.")
    # A saved report is the coaches' text, not a draft from the notes.
    assert t("committees.report.from_notes") not in texts(at)


def test_eig_updates_their_own_action_from_the_committee_page(app_as, world, phase1, held_committee):
    at = _on_phase1(app_as, "eig", world, t("committees.tab.actions"))
    action = committees.defi_actions(world.coach, world.alpha_id)[0]
    at.selectbox(key=f"status_{action.id}_{action.version}").set_value(committees.ActionStatus.DONE)
    at.button(key=f"apply_{action.id}").click().run()
    assert not at.exception
    assert committees.defi_actions(world.coach, world.alpha_id)[0].status == committees.ActionStatus.DONE
    # The porteur does not own it: no control to update it.
    at = _on_phase1(app_as, "porteur", world, t("committees.tab.actions"))
    assert f"apply_{action.id}" not in [b.key for b in at.button]


# --- Home --------------------------------------------------------------------------------------------------


def test_eig_home_shows_their_overdue_action_and_the_published_report(app_as, world, phase1, held_committee):
    at = app_as("eig")
    page = texts(at)
    assert "Rédiger la convention de données" in page and t("committees.actions.overdue") in page
    assert t("home.committees.no_report") in page
    _publish(world, phase1)
    at = app_as("eig")
    assert "Rapport confidentiel en cours" in texts(at)


def test_coach_home_flags_overdue_actions(app_as, held_committee):
    """Her défi's overdue action is a line of her to-do, with its owner and how late it is."""
    at = app_as("coach")
    page = texts(at)
    assert f"**Alpha** · {t('todo.overdue_action')} · :red[{t('due.late', n=2)}]" in page
    assert "Rédiger la convention de données (Léa EIG)" in page
