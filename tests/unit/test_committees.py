"""Evaluation committees: the publication rule per role, the version history read from
the audit trail, overdue actions with an injected clock, owner-only action updates, and
the permission matrix walked against the services."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import committees, phases
from lib.errors import Conflict, PermissionDenied, StaleEdit
from lib.models import ActionStatus, ReportStatus
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, ReportIn
from tests.unit.test_permission_matrix import PLAYERS

D = dt.date
UTC = dt.UTC
MEETING = dt.datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
AFTER = MEETING + dt.timedelta(hours=3)
SCHEDULED = MEETING - dt.timedelta(days=14)
JUNE_10, JUNE_20 = D(2026, 6, 10), D(2026, 6, 20)


def _phase1(world):  # noqa: ANN001, ANN202
    return phases.defi_phases(world.coach, world.alpha_id, D(2026, 6, 1))[0]


def _committee(world, **notes):  # noqa: ANN001, ANN003, ANN202
    """Alpha's phase 1 committee, scheduled with the EIG and the porteur."""
    phase = _phase1(world)
    cid = committees.schedule_committee(world.coach, phase.id, CommitteeScheduleIn(
        scheduled_at=MEETING, participant_ids=[world.eig.id, world.porteur.id], guests="DSI du ministère"),
        now=SCHEDULED)
    if notes:
        committees.save_notes(world.coach, cid, CommitteeNotesIn(**notes), _view(world).version, now=AFTER)
    return cid


def _view(world, actor=None, today=JUNE_10):  # noqa: ANN001, ANN202
    return committees.committee_for_phase(actor or world.coach, _phase1(world).id, today)


def test_scheduled_committee_lists_members_and_guests(world):
    _committee(world)
    view = _view(world, world.sponsor)
    assert view.scheduled_at == MEETING and view.guests == "DSI du ministère"
    assert sorted(p.name for p in view.participants) == ["Léa EIG", "Marc Porteur"]
    with pytest.raises(Conflict):  # one committee per phase
        committees.schedule_committee(world.coach, _phase1(world).id, CommitteeScheduleIn(scheduled_at=MEETING))


def test_participants_must_be_members_of_the_defi(world):
    with pytest.raises(Conflict):
        committees.schedule_committee(world.coach, _phase1(world).id, CommitteeScheduleIn(
            scheduled_at=MEETING, participant_ids=[world.beta_eig.id]))


def test_unscheduled_phase_has_no_committee(world):
    assert _view(world, world.eig) is None


# --- The publication rule ------------------------------------------------------------------------


def test_report_draft_is_for_coaches_only_then_published_to_the_team(world):
    cid = _committee(world, successes="Prototype testé")
    committees.save_report(world.coach, cid, ReportIn(text="Rapport : phase réussie."), _view(world).version, now=AFTER)
    assert _view(world).report_text == "Rapport : phase réussie."
    assert _view(world, world.admin).report_visible
    for member in (world.eig, world.porteur, world.sponsor):
        view = _view(world, member)
        assert (view.report_visible, view.report_text, view.report_status) == (False, None, ReportStatus.DRAFT)
        assert view.successes == "Prototype testé"  # notes are readable by the team
        assert committees.latest_published_report(member, world.alpha_id) is None
    committees.publish_report(world.coach, cid, _view(world).version, now=AFTER)
    for member in (world.eig, world.porteur, world.sponsor):
        assert _view(world, member).report_text == "Rapport : phase réussie."
        report = committees.latest_published_report(member, world.alpha_id)
        assert (report.text, report.published_at, report.phase_number) == ("Rapport : phase réussie.", AFTER, 1)
    for stranger in (world.beta_eig, world.gamma_eig, world.outsider, world.inactive):
        with pytest.raises(PermissionDenied):
            _view(world, stranger)
        with pytest.raises(PermissionDenied):
            committees.latest_published_report(stranger, world.alpha_id)


def test_publication_needs_text_and_a_committee_that_has_met(world):
    cid = _committee(world)
    with pytest.raises(Conflict):
        committees.publish_report(world.coach, cid, _view(world).version, now=AFTER)  # empty
    committees.save_report(world.coach, cid, ReportIn(text="Texte"), _view(world).version)
    with pytest.raises(Conflict):
        committees.publish_report(world.coach, cid, _view(world).version, now=MEETING - dt.timedelta(seconds=1))
    committees.publish_report(world.coach, cid, _view(world).version, now=MEETING)
    with pytest.raises(Conflict):
        committees.publish_report(world.coach, cid, _view(world).version, now=AFTER)


def test_stale_notes_are_refused(world):
    cid = _committee(world)
    version = _view(world).version
    committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="A"), version)
    with pytest.raises(StaleEdit):
        committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="B"), version)
    assert _view(world).successes == "A"


# --- Version history -----------------------------------------------------------------------------


def test_version_history_names_who_when_and_which_fields(world):
    cid = _committee(world)
    t1, t2, t3 = AFTER, AFTER + dt.timedelta(hours=1), AFTER + dt.timedelta(days=2)
    committees.save_notes(world.coach, cid, CommitteeNotesIn(successes="Prototype", innovation_rating=3),
                          _view(world).version, now=t1)
    committees.save_notes(world.admin, cid, CommitteeNotesIn(successes="Prototype testé", innovation_rating=3,
                                                             innovation_comment="Protocole clair"),
                          _view(world).version, now=t2)
    assert not committees.save_notes(world.admin, cid, CommitteeNotesIn(
        successes="Prototype testé", innovation_rating=3, innovation_comment="Protocole clair"), _view(world).version)
    committees.save_report(world.coach, cid, ReportIn(text="Brouillon"), _view(world).version, now=t2)
    history = committees.version_history(world.coach, cid)
    assert [(h.action, h.who, h.at) for h in history] == [
        ("report", "Claire Coach", t2), ("notes", "Alice Admin", t2), ("notes", "Claire Coach", t1),
        ("schedule", "Claire Coach", SCHEDULED)]
    second = history[1]
    assert {c.field: (c.before, c.after) for c in second.changes} == {
        "successes": ("Prototype", "Prototype testé"), "innovation_comment": ("", "Protocole clair")}
    assert {c.field for c in history[2].changes} == {"successes", "innovation_rating"}

    # The EIG reads the notes' history, not the coaches' drafts of the report...
    assert [h.action for h in committees.version_history(world.eig, cid)] == ["notes", "notes", "schedule"]
    committees.publish_report(world.coach, cid, _view(world).version, now=t3)
    committees.save_report(world.coach, cid, ReportIn(text="Version publiée, corrigée"), _view(world).version,
                           now=t3 + dt.timedelta(hours=1))
    # ...but sees the publication and every amendment made after it.
    eig_history = committees.version_history(world.eig, cid)
    assert [h.action for h in eig_history] == ["report", "publish", "notes", "notes", "schedule"]
    assert eig_history[0].changes[0].after == "Version publiée, corrigée"
    with pytest.raises(PermissionDenied):
        committees.version_history(world.beta_eig, cid)


# --- Actions ------------------------------------------------------------------------------------------


def _action(world, cid, owner, due=JUNE_20, text="Préparer la démo"):  # noqa: ANN001, ANN202
    return committees.add_action(world.coach, cid, CommitteeActionIn(description=text, owner_id=owner.id, due_on=due))


def test_overdue_detection_with_an_injected_clock(world):
    cid = _committee(world)
    _action(world, cid, world.eig)
    assert not committees.defi_actions(world.coach, world.alpha_id, today=D(2026, 6, 20))[0].overdue  # due today
    late = committees.defi_actions(world.coach, world.alpha_id, today=D(2026, 6, 21))[0]
    assert late.overdue and late.owner == "Léa EIG"
    assert [a.description for a in committees.my_open_actions(world.eig, D(2026, 6, 21))] == ["Préparer la démo"]
    assert committees.my_open_actions(world.eig2, D(2026, 6, 21)) == []
    assert len(committees.overdue_actions(world.coach, world.promotion_id, D(2026, 6, 21))) == 1
    assert len(committees.overdue_actions(world.sponsor, world.promotion_id, D(2026, 6, 21))) == 1
    assert committees.overdue_actions(world.beta_eig, world.promotion_id, D(2026, 6, 21)) == []
    assert committees.overdue_actions(world.coach, world.promotion_id, D(2026, 6, 20)) == []
    committees.set_action_status(world.eig, late.id, ActionStatus.DONE, late.version)
    done = committees.defi_actions(world.coach, world.alpha_id, today=D(2026, 7, 1))[0]
    assert (done.status, done.overdue) == (ActionStatus.DONE, False)
    assert committees.my_open_actions(world.eig, D(2026, 7, 1)) == []


def test_is_overdue_only_for_open_actions_past_their_due_date():
    due = D(2026, 6, 20)
    assert committees.is_overdue(ActionStatus.OPEN, due, D(2026, 6, 21))
    assert not committees.is_overdue(ActionStatus.OPEN, due, due)
    assert not committees.is_overdue(ActionStatus.DROPPED, due, D(2026, 9, 1))


def test_only_the_owner_or_a_coach_updates_an_action(world):
    cid = _committee(world)
    eig_action = _action(world, cid, world.eig)
    porteur_action = _action(world, cid, world.porteur, text="Réunir le comité de pilotage")
    with pytest.raises(PermissionDenied):
        committees.set_action_status(world.eig2, eig_action, ActionStatus.DONE, 1)
    with pytest.raises(PermissionDenied):
        committees.set_action_status(world.porteur, eig_action, ActionStatus.DONE, 1)
    with pytest.raises(PermissionDenied):
        committees.set_action_status(world.sponsor, eig_action, ActionStatus.DROPPED, 1)
    committees.set_action_status(world.porteur, porteur_action, ActionStatus.DROPPED, 1)
    committees.set_action_status(world.coach, eig_action, ActionStatus.DONE, 1)
    with pytest.raises(StaleEdit):
        committees.set_action_status(world.coach, eig_action, ActionStatus.OPEN, 1)
    statuses = {a.id: a.status for a in committees.defi_actions(world.eig, world.alpha_id)}
    assert statuses == {eig_action: ActionStatus.DONE, porteur_action: ActionStatus.DROPPED}


def test_action_owner_is_a_member_or_a_coach(world):
    cid = _committee(world)
    _action(world, cid, world.admin)  # a coach outside the team
    for wrong in (world.sponsor, world.beta_eig, world.outsider, world.inactive):
        with pytest.raises(Conflict):
            _action(world, cid, wrong)
    owners = {p.name for p in committees.action_owners(world.coach, world.alpha_id)}
    assert {"Léa EIG", "Hugo EIG", "Marc Porteur", "Claire Coach", "Alice Admin"} == owners


def test_history_per_defi_lists_ratings_by_phase(world):
    _committee(world, objectives_rating=3, entrepreneuriat_rating=2, innovation_rating=4, transformation_rating=1)
    history = committees.committee_history(world.sponsor, world.alpha_id)
    assert history[["number", "objectives_rating", "entrepreneuriat_rating", "innovation_rating",
                    "transformation_rating", "report_status"]].values.tolist() == [[1, 3, 2, 4, 1, "draft"]]


# --- The permission matrix, walked against the services ------------------------------------------------


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_committee_services_follow_the_matrix(world, player):
    actor, column = getattr(world, player), PLAYERS[player]
    team = column in {"staff", "eig", "porteur", "sponsor"}
    cid = _committee(world)
    committees.save_report(world.coach, cid, ReportIn(text="Texte"), _view(world).version)
    owner = actor if player in {"eig", "eig2", "porteur"} else world.eig
    own_action = _action(world, cid, owner)
    phase_id = _phase1(world).id

    def version() -> int:
        return _view(world).version

    calls = [
        (team, lambda: committees.committee_for_phase(actor, phase_id)),
        (team, lambda: committees.version_history(actor, cid)),
        (team, lambda: committees.defi_actions(actor, world.alpha_id)),
        (team, lambda: committees.committee_history(actor, world.alpha_id)),
        (team, lambda: committees.latest_published_report(actor, world.alpha_id)),
        (column in {"staff", "eig", "porteur"},
         lambda: committees.set_action_status(actor, own_action, ActionStatus.DONE, 1)),
        (column == "staff", lambda: committees.save_notes(actor, cid, CommitteeNotesIn(successes=player), version())),
        (column == "staff", lambda: _action_by(actor, cid, world)),
        (column == "staff", lambda: committees.save_report(actor, cid, ReportIn(text=player), version())),
        (column == "staff", lambda: committees.publish_report(actor, cid, version(), now=AFTER)),
        (column == "staff", lambda: committees.schedule_committee(
            actor, phases.defi_phases(world.coach, world.alpha_id)[1].id, CommitteeScheduleIn(scheduled_at=AFTER))),
    ]
    for allowed, call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
    view = _view(world, actor) if team else None
    if team:  # after publication everyone in the team reads the report
        assert view.report_visible == (column == "staff" or view.report_status == ReportStatus.PUBLISHED)


def _action_by(actor, cid, world):  # noqa: ANN001, ANN202
    return committees.add_action(actor, cid, CommitteeActionIn(description="X", owner_id=world.eig.id,
                                                               due_on=D(2026, 7, 1)))


def test_report_draft_starts_from_the_notes_just_written(world):
    cid = _committee(world, successes="Prototype testé avec 12 agents", difficulties="Accès aux données lent",
                     objectives_rating=3, orientation="Poursuivre en phase 2",
                     innovation_rating=4, innovation_comment="Protocole d'expérimentation solide")
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Signer la convention de données",
                                                              owner_id=world.porteur.id, due_on=JUNE_20))
    draft = committees.draft_report(world.coach, cid, today=JUNE_10)
    assert draft.startswith("Comité de la phase 1 · ")
    for expected in ("Succès\nPrototype testé avec 12 agents", "Difficultés\nAccès aux données lent",
                     "Orientation\nPoursuivre en phase 2", "Atteinte des objectifs : 3 · largement",
                     "- Innovation · 4 · pleinement · Protocole d'expérimentation solide",
                     "Actions décidées\n- Signer la convention de données · ", "pour le 20/06/2026 · en cours"):
        assert expected in draft
    assert "Entrepreneuriat" not in draft  # an axis without rating or comment adds nothing


def test_report_draft_is_for_coaches_only(world):
    cid = _committee(world, successes="Secret de brouillon")
    for login in ("eig", "porteur", "sponsor", "beta_eig", "outsider"):
        with pytest.raises(PermissionDenied):
            committees.draft_report(getattr(world, login), cid)
