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
from lib.schemas import BulletinIn, CommitteeNotesIn, CommitteeScheduleIn, JournalEntryIn, ReportIn
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
