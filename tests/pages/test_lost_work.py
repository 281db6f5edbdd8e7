"""Lost work is never silent: when someone else saves while a person is writing, that
person's save is refused in French, their text stays in the form, the other version is
shown beside it, and saving again (having seen it) replaces it."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import bulletins, committees, formats, journal, phases
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
from tests.pages.conftest import errors, form_button, labelled, open_tab, texts
from tests.pages.test_retro_pages import PARIS, WEDNESDAY, bulletin_form

MINE = "Ma version, tapée pendant que l'autre enregistrait"
THEIRS = "La version enregistrée entre-temps"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, WEDNESDAY)


def assert_second_save_wins(at, form: str, label: str, field, stored, saved: str) -> None:  # noqa: ANN001
    """Type MINE in `field` and save `form`: refused with the French message, the person's text
    still in the form, the other version on the page and still stored; save again, having seen
    it: MINE replaces it, and the page says `saved`."""
    field().input(MINE)
    form_button(at, form, label).click().run()
    assert not at.exception
    assert StaleEdit().args[0] in errors(at)
    assert field().value == MINE
    assert t("edit.newer_version") in texts(at)
    assert THEIRS in texts(at)
    assert stored() == THEIRS

    form_button(at, form, label).click().run()
    assert not at.exception
    assert stored() == MINE
    assert saved in texts(at)


def test_bulletin_filed_by_a_teammate_first(app_as, world):
    at = app_as("eig", page="pages/bulletin.py")
    bulletins.file_bulletin(world.eig2, world.alpha_id, BulletinIn(mood=3, priority=THEIRS, ups_downs="Hauts"),
                            now=WEDNESDAY)
    week = bulletins.week_state(world.eig, world.alpha_id, WEDNESDAY)
    form = bulletin_form(world)  # opened before anything was filed
    at.radio(key=f"{form}_mood").set_value(2)
    at.text_area(key=f"{form}_ups_downs").input("Mes hauts et bas")
    assert_second_save_wins(at, form, t("bulletin.submit"), lambda: at.text_area(key=f"{form}_priority"),
                            lambda: bulletins.week_state(world.eig, world.alpha_id, WEDNESDAY).priority,
                            t("bulletin.saved", week=week.label, deadline=formats.moment(week.deadline, week.timezone)))


def test_journal_entry_edited_by_the_coach_meanwhile(app_as, world):
    day = dt.date(2026, 11, 16)
    entry_id = journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(done_on=day, tache="Première version",
                                                                       categories=[Category.P]), now=WEDNESDAY)
    at = app_as("eig", page="pages/journal.py")
    journal.update_entry(world.coach, entry_id, JournalEntryIn(done_on=day, tache=THEIRS, categories=[Category.P]), 1,
                         now=WEDNESDAY)
    form = f"journal_entry_{entry_id}_1"
    assert_second_save_wins(at, form, t("journal.form.save"), lambda: at.text_area(key=f"{form}_tache"),
                            lambda: journal.get_entry(world.coach, entry_id).tache, t("journal.updated"))


@pytest.fixture
def committee(world, frame_on_every_run):  # noqa: ANN001, ANN201
    """Alpha's first phase's committee, held, with a draft report; the page opens on it."""
    phase = phases.defi_phases(world.coach, world.alpha_id)[0]
    committees.schedule_committee(world.coach, phase.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 11, 16, 10, 0, tzinfo=PARIS), participant_ids=[world.eig.id]))
    return phase


# Each committee form: its tab, the save another coach makes meanwhile, the form's key, its
# save button, the field typed in, what the committee then stores and the page's message once saved.
COMMITTEE_FORMS = {
    "notes": ("committees.tab.committee",
              lambda c, who: committees.save_notes(who, c.id, CommitteeNotesIn(successes=THEIRS), c.version),
              "committee_notes_{c.id}_{c.version}", "committees.notes.save", "text_area", "successes",
              lambda c: c.successes, "committees.notes.saved"),
    "report": ("committees.tab.report",
               lambda c, who: committees.save_report(who, c.id, ReportIn(text=THEIRS), c.version),
               "committee_report_{c.id}_{c.version}", "committees.report.save", "text_area", "text",
               lambda c: c.report_text, "committees.report.saved"),
    "schedule": ("committees.tab.committee",
                 lambda c, who: committees.update_schedule(who, c.id, CommitteeScheduleIn(
                     scheduled_at=c.scheduled_at, participant_ids=[c.participants[0].id], guests=THEIRS), c.version),
                 "committee_schedule_phase{c.defi_phase_id}_{c.version}", "committees.schedule.update", "text_input",
                 "guests", lambda c: c.guests, "committees.schedule.saved"),
}


@pytest.mark.parametrize("which", COMMITTEE_FORMS)
def test_a_committee_form_saved_by_another_coach_meanwhile(app_as, world, committee, which):
    tab, save_theirs, form, button, kind, name, stored, saved = COMMITTEE_FORMS[which]
    at = app_as("coach", page="pages/committees.py")
    at.selectbox(key=f"committee_phase_{world.alpha_id}").set_value(committee).run()
    open_tab(at, f"committee_tabs_{committee.id}", t(tab))
    view = committees.committee_for_phase(world.coach, committee.id)
    save_theirs(view, world.admin)
    form = form.format(c=view)
    assert_second_save_wins(at, form, t(button), lambda: getattr(at, kind)(key=f"{form}_{name}"),
                            lambda: stored(committees.committee_for_phase(world.coach, committee.id)), t(saved))


def test_a_coach_own_saves_never_say_someone_saved_meanwhile(app_as, world, committee):
    """Schedule, notes and report share the committee's version: after her own save, the
    page's other forms reopen on the version she wrote, through the report's publication."""
    at = app_as("coach", page="pages/committees.py")
    at.selectbox(key=f"committee_phase_{world.alpha_id}").set_value(committee).run()
    open_tab(at, f"committee_tabs_{committee.id}", t("committees.tab.committee"))

    def stored() -> committees.CommitteeView:
        return committees.committee_for_phase(world.coach, committee.id)

    def saved(message: str) -> None:
        assert not at.exception
        assert message in texts(at)
        assert t("edit.newer_version") not in texts(at)

    schedule = f"committee_schedule_phase{committee.id}_{stored().version}"
    at.text_input(key=f"{schedule}_guests").input("Une invitée de la direction")
    form_button(at, schedule, t("committees.schedule.update")).click().run()
    saved(t("committees.schedule.saved"))
    labelled(at.text_area, t("committees.notes.successes")).input(MINE)
    labelled(at.button, t("committees.notes.save")).click().run()
    saved(t("committees.notes.saved"))
    assert labelled(at.text_area, t("committees.notes.successes")).value == MINE

    open_tab(at, f"committee_tabs_{committee.id}", t("committees.tab.report"))
    labelled(at.text_area, t("committees.report.text")).input(MINE)
    labelled(at.button, t("committees.report.save")).click().run()
    saved(t("committees.report.saved"))
    at.button(key=f"publish_report_{stored().id}").click().run()
    saved(t("committees.report.published"))
    open_tab(at, f"committee_tabs_{committee.id}", t("committees.tab.committee"))
    assert t("edit.newer_version") not in texts(at)
    assert (stored().guests, stored().successes, stored().report_text) == ("Une invitée de la direction", MINE, MINE)


def test_a_save_from_another_tab_of_the_same_coach_is_said(app_as, world, committee):
    """Another tab is another session: its save is someone else's for this one."""
    here, there = (app_as("coach", page="pages/committees.py") for _ in range(2))
    for at in (here, there):
        at.selectbox(key=f"committee_phase_{world.alpha_id}").set_value(committee).run()
        open_tab(at, f"committee_tabs_{committee.id}", t("committees.tab.committee"))
    labelled(there.text_area, t("committees.notes.successes")).input(THEIRS)
    labelled(there.button, t("committees.notes.save")).click().run()
    assert t("edit.newer_version") not in texts(there)
    here.run()
    assert t("edit.newer_version") in texts(here)
    assert THEIRS in texts(here)


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
    at.checkbox(key=f"obj_{first.id}_{first.version}").check()
    phase_id = phases.defi_phases(world.coach, world.alpha_id)[0].id
    form_button(at, f"objectives_{phase_id}", t("phases.objectives.save")).click().run()
    assert not at.exception
    done = {o.label: o.done for o in phases.defi_phases(world.coach, world.alpha_id)[0].objectives}
    assert done == {first.label: True, second.label: True}  # the box drawn unticked did not untick it


def test_phase_shifted_by_another_coach_meanwhile(app_as, world):
    at = app_as("coach", page="pages/phases.py")
    p2 = phases.defi_phases(world.coach, world.alpha_id)[1]
    phases.shift_phase(world.admin, p2.id, PhaseShiftIn(start=p2.planned_start, end=p2.planned_end, reason=THEIRS),
                       p2.version)
    form = f"phase_shift_{p2.id}_{p2.version}"
    assert_second_save_wins(at, form, t("phases.shift.submit"), lambda: at.text_input(key=f"{form}_reason"),
                            lambda: phases.defi_phases(world.coach, world.alpha_id)[1].shift_reason,
                            t("phases.shift.saved"))
    assert t("edit.newer_version") not in texts(at)  # the later phases it moved open on its versions


def test_phase_template_changed_by_another_coach_meanwhile(app_as, world):
    at = open_tab(app_as("coach", page="pages/phases.py"), f"phases_tabs_{world.alpha_id}", t("phases.tab.templates"))
    tp = phases.list_templates(world.coach, world.promotion_id)[0]
    at.session_state[f"template_{tp.id}"] = True  # its panel opened: the form opens on that version
    at.run()
    phases.update_template(world.admin, tp.id, PhaseTemplateIn(name=tp.name, summary=THEIRS, months=tp.months),
                           tp.version)
    form = f"phase_template_{tp.id}_{tp.version}"
    assert_second_save_wins(at, form, t("admin.save"), lambda: at.text_input(key=f"{form}_summary"),
                            lambda: phases.list_templates(world.coach, world.promotion_id)[0].summary,
                            t("phases.templates.saved", n=0))
