"""Lost work is never silent: when someone else saves while a person is writing, that
person's save is refused in French, their text stays in the form, the other version is
shown beside it, and saving again (having seen it) replaces it."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import bulletins, committees, journal, phases
from lib.errors import StaleEdit
from lib.i18n import t
from lib.models import Category
from lib.schemas import (
    BulletinIn,
    CommitteeNotesIn,
    CommitteeScheduleIn,
    JournalEntryIn,
    ObjectiveIn,
    PhaseShiftIn,
    PhaseTemplateIn,
    ReportIn,
)
from tests.conftest import set_clock
from tests.pages.conftest import errors, open_tab, texts
from tests.pages.test_retro_pages import PARIS, WEDNESDAY

MINE = "Ma version, tapée pendant que l'autre enregistrait"
THEIRS = "La version enregistrée entre-temps"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, WEDNESDAY)


def save(at, label: str) -> None:  # noqa: ANN001
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception


def assert_kept_and_shown(at, field) -> None:  # noqa: ANN001
    """Refused with the French message; the person's text is still in the form; the other
    version is on the page."""
    assert StaleEdit().args[0] in errors(at)
    assert field().value == MINE
    assert t("edit.newer_version") in texts(at)
    assert THEIRS in texts(at)


def test_bulletin_filed_by_a_teammate_first(app_as, world):
    at = app_as("eig", page="pages/bulletin.py")
    bulletins.file_bulletin(world.eig2, world.alpha_id, BulletinIn(mood=3, priority=THEIRS, ups_downs="Hauts"),
                            now=WEDNESDAY)
    priority = lambda: at.text_area[0]  # noqa: E731
    at.radio[0].set_value(2)
    priority().input(MINE)
    at.text_area[1].input("Mes hauts et bas")
    save(at, "Enregistrer le bulletin")
    assert_kept_and_shown(at, priority)
    assert bulletins.week_state(world.eig, world.alpha_id, WEDNESDAY).priority == THEIRS

    save(at, "Enregistrer le bulletin")
    assert bulletins.week_state(world.eig, world.alpha_id, WEDNESDAY).priority == MINE


def test_journal_entry_edited_by_the_coach_meanwhile(app_as, world):
    day = dt.date(2026, 11, 16)
    entry_id = journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(done_on=day, tache="Première version",
                                                                       categories=[Category.P]), now=WEDNESDAY)
    at = app_as("eig", page="pages/journal.py")
    journal.update_entry(world.coach, entry_id, JournalEntryIn(done_on=day, tache=THEIRS, categories=[Category.P]), 1,
                         now=WEDNESDAY)
    tache = lambda: at.text_area(key=f"journal_entry_{entry_id}_1_tache")  # noqa: E731
    tache().input(MINE)
    save(at, "Enregistrer les modifications")
    assert_kept_and_shown(at, tache)
    assert journal.get_entry(world.coach, entry_id).tache == THEIRS

    save(at, "Enregistrer les modifications")
    assert journal.get_entry(world.coach, entry_id).tache == MINE


@pytest.fixture
def committee(world, app_py_on_every_run):  # noqa: ANN001, ANN201
    """Alpha's first phase's committee, held, with a draft report; the page opens on it."""
    phase = phases.defi_phases(world.coach, world.alpha_id)[0]
    committee_id = committees.schedule_committee(world.coach, phase.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 11, 16, 10, 0, tzinfo=PARIS), participant_ids=[world.eig.id]))
    return phase, committee_id


def open_committee(app_as, world, phase, tab: str = "Comité"):  # noqa: ANN001, ANN201
    at = app_as("coach", page="pages/committees.py")
    at.selectbox(key=f"committee_phase_{world.alpha_id}").set_value(phase).run()
    return open_tab(at, f"committee_tabs_{phase.id}", tab)


def test_committee_notes_saved_by_another_coach_meanwhile(app_as, world, committee):
    phase, committee_id = committee
    at = open_committee(app_as, world, phase)
    view = committees.committee_for_phase(world.coach, phase.id)
    committees.save_notes(world.admin, committee_id, CommitteeNotesIn(successes=THEIRS), view.version)
    successes = lambda: at.text_area(key=f"committee_notes_{committee_id}_{view.version}_successes")  # noqa: E731
    successes().input(MINE)
    save(at, "Enregistrer les notes")
    assert_kept_and_shown(at, successes)
    assert committees.committee_for_phase(world.coach, phase.id).successes == THEIRS

    save(at, "Enregistrer les notes")
    assert committees.committee_for_phase(world.coach, phase.id).successes == MINE


def test_report_saved_by_another_coach_meanwhile(app_as, world, committee):
    phase, committee_id = committee
    at = open_committee(app_as, world, phase, "Rapport d'évaluation")
    view = committees.committee_for_phase(world.coach, phase.id)
    committees.save_report(world.admin, committee_id, ReportIn(text=THEIRS), view.version)
    report = lambda: at.text_area(key=f"committee_report_{committee_id}_{view.version}_text")  # noqa: E731
    report().input(MINE)
    save(at, "Enregistrer le brouillon")
    assert_kept_and_shown(at, report)
    assert committees.committee_for_phase(world.coach, phase.id).report_text == THEIRS

    save(at, "Enregistrer le brouillon")
    assert committees.committee_for_phase(world.coach, phase.id).report_text == MINE


def test_committee_schedule_changed_by_another_coach_meanwhile(app_as, world, committee):
    phase, committee_id = committee
    at = open_committee(app_as, world, phase)
    view = committees.committee_for_phase(world.coach, phase.id)
    committees.update_schedule(world.admin, committee_id, CommitteeScheduleIn(
        scheduled_at=view.scheduled_at, participant_ids=[world.eig.id], guests=THEIRS), view.version)
    guests = lambda: at.text_input(key=f"committee_schedule_phase{phase.id}_{view.version}_guests")  # noqa: E731
    guests().input(MINE)
    save(at, "Modifier la planification")
    assert_kept_and_shown(at, guests)
    assert committees.committee_for_phase(world.coach, phase.id).guests == THEIRS

    save(at, "Modifier la planification")
    assert committees.committee_for_phase(world.coach, phase.id).guests == MINE
    assert "Comité planifié." in texts(at)


@pytest.fixture
def objectives(world):  # noqa: ANN001, ANN201
    """Alpha's first phase with two objectives, none done."""
    p1 = phases.defi_phases(world.coach, world.alpha_id)[0]
    for label in ("Comprendre le besoin des agents", "Prototype papier"):
        phases.add_objective(world.coach, p1.id, ObjectiveIn(label=label))
    return phases.defi_phases(world.coach, world.alpha_id)[0].objectives


def test_objective_ticked_by_a_teammate_meanwhile_stays_ticked(app_as, world, objectives):
    first, second = objectives
    at = app_as("eig", page="pages/phases.py")
    phases.tick_objectives(world.eig2, {second.id: (True, second.version)})
    next(c for c in at.checkbox if c.label == first.label).check()
    save(at, "Enregistrer les objectifs cochés")
    done = {o.label: o.done for o in phases.defi_phases(world.coach, world.alpha_id)[0].objectives}
    assert done == {first.label: True, second.label: True}  # the box drawn unticked did not untick it


def test_phase_shifted_by_another_coach_meanwhile(app_as, world):
    at = app_as("coach", page="pages/phases.py")
    p2 = phases.defi_phases(world.coach, world.alpha_id)[1]
    phases.shift_phase(world.admin, p2.id, PhaseShiftIn(start=p2.planned_start, end=p2.planned_end, reason=THEIRS),
                       p2.version)
    reason = lambda: at.text_input(key=f"phase_shift_{p2.id}_{p2.version}_reason")  # noqa: E731
    reason().input(MINE)
    at.date_input(key=f"phase_shift_{p2.id}_{p2.version}_end").set_value(p2.planned_end + dt.timedelta(days=7))
    save_nth(at, "Décaler", 1)
    assert_kept_and_shown(at, reason)
    assert phases.defi_phases(world.coach, world.alpha_id)[1].shift_reason == THEIRS

    save_nth(at, "Décaler", 1)
    moved = phases.defi_phases(world.coach, world.alpha_id)[1]
    assert (moved.shift_reason, moved.planned_end) == (MINE, p2.planned_end + dt.timedelta(days=7))
    assert t("edit.newer_version") not in texts(at)  # the later phases it moved open on its versions


def test_phase_template_changed_by_another_coach_meanwhile(app_as, world):
    at = open_tab(app_as("coach", page="pages/phases.py"), f"phases_tabs_{world.alpha_id}", "Cadre des phases")
    tp = phases.list_templates(world.coach, world.promotion_id)[0]
    phases.update_template(world.admin, tp.id, PhaseTemplateIn(name=tp.name, summary=THEIRS, months=tp.months),
                           tp.version)
    summary = lambda: at.text_input(key=f"phase_template_{tp.id}_{tp.version}_summary")  # noqa: E731
    summary().input(MINE)
    save_nth(at, t("admin.save"), 0)
    assert_kept_and_shown(at, summary)
    assert phases.list_templates(world.coach, world.promotion_id)[0].summary == THEIRS

    save_nth(at, t("admin.save"), 0)
    assert phases.list_templates(world.coach, world.promotion_id)[0].summary == MINE
    assert t("phases.templates.saved", n=0) in texts(at)


def save_nth(at, label: str, n: int) -> None:  # noqa: ANN001
    """Click the n-th button labelled `label` (one form per phase, in order)."""
    [b for b in at.button if b.label == label][n].click().run()
    assert not at.exception
