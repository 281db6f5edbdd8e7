"""The programme's figures checked against counts made independently here (walking the
rows in Python), the programme-clock comparison, the facts coaches record, and coaching
sessions; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from lib import coaching, db, programme_figures
from lib.errors import NotFound, PermissionDenied, StaleEdit
from lib.models import (
    AuditEvent,
    Bulletin,
    CoachingForm,
    CoachingSession,
    Defi,
    DefiRole,
    Membership,
    Perennisation,
    Training,
)
from lib.schemas import CoachingSessionIn, DefiFactsIn, TrainingIn

UTC = dt.UTC
NOW = dt.datetime(2026, 4, 27, 10, 0, tzinfo=UTC)  # Monday of week 4 of the test promotion


@pytest.fixture
def facts(world):  # noqa: ANN001, ANN201
    """Outcomes, ouverture, EIGs after the programme and trainings across both promotions."""
    with db.transaction() as s:
        alpha, beta, gamma = (s.get(Defi, i) for i in (world.alpha_id, world.beta_id, world.gamma_id))
        alpha.perennisation, alpha.public_code, alpha.published_datasets = Perennisation.EN_PRODUCTION, True, 3
        beta.libraries = 2
        gamma.perennisation, gamma.public_code, gamma.published_datasets = Perennisation.ABANDONNE, True, 1
        stayed = {world.eig.id: True, world.eig2.id: False, world.gamma_eig.id: True}
        for m in s.scalars(select(Membership).where(Membership.role == DefiRole.EIG)):
            m.stayed_in_administration = stayed.get(m.user_id)
        s.add_all([Training(promotion_id=world.promotion_id, held_on=dt.date(2026, 4, 10), title="Accueil",
                            attendees=10),
                   Training(promotion_id=world.promotion_id, held_on=dt.date(2026, 5, 10), title="RGAA", attendees=20),
                   Training(promotion_id=world.other_promotion_id, held_on=dt.date(2025, 2, 1), title="Pitch",
                            attendees=5)])
    return world


def independent_counts(promotion_id: int) -> dict:
    """The same figures, counted by walking every row in Python."""
    with db.reading() as s:
        defis = s.scalars(select(Defi).where(Defi.promotion_id == promotion_id)).all()
        eigs = [m for d in defis for m in d.memberships if m.role is DefiRole.EIG]
        trainings = s.scalars(select(Training).where(Training.promotion_id == promotion_id)).all()
        return {
            "defis": len(defis), "eig_recruited": len(eigs),
            "eig_stayed": sum(m.stayed_in_administration is True for m in eigs),
            "eig_outcome_known": sum(m.stayed_in_administration is not None for m in eigs),
            **{p.value: sum(d.perennisation is p for d in defis) for p in Perennisation},
            "non_renseigne": sum(d.perennisation is None for d in defis),
            "public_code": sum(d.public_code for d in defis),
            "with_datasets": sum(d.published_datasets > 0 for d in defis),
            "datasets": sum(d.published_datasets for d in defis),
            "with_libraries": sum(d.libraries > 0 for d in defis), "libraries": sum(d.libraries for d in defis),
            "trainings": len(trainings), "attendees": sum(tr.attendees for tr in trainings),
        }


def test_figures_per_promotion_match_the_rows(facts):
    figures = programme_figures.promotion_figures(facts.sponsor).set_index("promotion_id")
    for promotion_id in (facts.promotion_id, facts.other_promotion_id):
        expected = independent_counts(promotion_id)
        assert {k: int(figures.loc[promotion_id, k]) for k in expected} == expected
    current = figures.loc[facts.promotion_id]
    # Spelled out once: Alpha's 3 EIGs (one left) and Beta's; 1 stayed, 1 left, 2 unknown.
    assert (current["eig_recruited"], current["eig_stayed"], current["eig_outcome_known"]) == (4, 1, 2)
    assert (current["en_production"], current["non_renseigne"], current["trainings"], current["attendees"]) == (
        1, 1, 2, 30)


def test_total_row_adds_up_every_promotion(facts):
    table = programme_figures.with_total(programme_figures.promotion_figures(facts.eig))
    total = table.iloc[-1]
    assert total["promotion"] == "Toutes promotions"
    both = [independent_counts(p) for p in (facts.promotion_id, facts.other_promotion_id)]
    assert {k: int(total[k]) for k in both[0]} == {k: both[0][k] + both[1][k] for k in both[0]}
    assert (total["public_code"], total["datasets"], total["abandonne"]) == (2, 4, 1)


def test_figures_need_a_logged_in_active_user(world):
    with pytest.raises(PermissionDenied):
        programme_figures.promotion_figures(world.inactive)
    with pytest.raises(PermissionDenied):
        programme_figures.clock_comparison(world.inactive, NOW)


def _bulletin(defi_id: int, monday: dt.date, mood: int) -> Bulletin:
    year, week = monday.isocalendar()[:2]
    return Bulletin(defi_id=defi_id, iso_year=year, iso_week=week, week_start=monday, mood=mood, priority="P",
                    ups_downs="U")


def test_clock_comparison_by_programme_week_and_phase(world):
    with db.transaction() as s:
        s.add_all([_bulletin(world.alpha_id, dt.date(2026, 4, 6), 4),
                   _bulletin(world.alpha_id, dt.date(2026, 4, 13), 2),
                   _bulletin(world.beta_id, dt.date(2026, 4, 6), 3),
                   _bulletin(world.alpha_id, dt.date(2026, 4, 27), 1),  # this week: not published yet
                   _bulletin(world.gamma_id, dt.date(2025, 2, 3), 1)])  # week 5 of the older promotion
    weekly = programme_figures.clock_comparison(world.outsider, NOW)
    current = weekly[weekly["promotion_id"] == world.promotion_id]
    assert list(current["programme_week"]) == [1, 2, 3]  # until the last published week
    assert list(current["bulletins"]) == [2, 1, 0]
    assert list(current["mood"].fillna(0)) == [3.5, 2.0, 0]
    assert list(current["participation"]) == [1.0, 0.5, 0.0]
    older = weekly[weekly["promotion_id"] == world.other_promotion_id]
    assert len(older) == 44 and older.set_index("programme_week").loc[5, "mood"] == 1.0
    per_phase = programme_figures.by_phase(weekly).set_index(["promotion", "phase"])
    assert per_phase.loc[("Promo test", 1), "bulletins"] == 3 and per_phase.loc[("Promo test", 1), "due"] == 6
    assert per_phase.loc[("Promo test", 1), "mood"] == 3.0 and per_phase.loc[("Promo test", 1), "participation"] == 0.5
    assert per_phase.loc[("Promo ancienne", 1), "bulletins"] == 1


# --- Facts coaches record --------------------------------------------------------------------


def test_coach_records_defi_facts_in_one_save_with_audit(world):
    facts = {f.id: f for f in programme_figures.defi_facts(world.coach, world.promotion_id)}
    programme_figures.record_defi_facts(world.coach, {
        world.alpha_id: (DefiFactsIn(perennisation=Perennisation.MISE_EN_PRODUCTION_PREVUE, public_code=True,
                                     published_datasets=2, libraries=1), facts[world.alpha_id].version),
        world.beta_id: (DefiFactsIn(perennisation=Perennisation.ABANDONNE), facts[world.beta_id].version)})
    after = {f.id: f for f in programme_figures.defi_facts(world.coach, world.promotion_id)}
    assert (after[world.alpha_id].perennisation, after[world.alpha_id].published_datasets) == (
        Perennisation.MISE_EN_PRODUCTION_PREVUE, 2)
    assert after[world.beta_id].perennisation is Perennisation.ABANDONNE
    with db.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "update_facts")).all()
    assert {e.entity_id for e in events} == {world.alpha_id, world.beta_id}
    assert events[0].before["perennisation"] is None


def test_stale_facts_refuse_the_whole_save(world):
    facts = {f.id: f for f in programme_figures.defi_facts(world.coach, world.promotion_id)}
    programme_figures.record_defi_facts(world.admin, {world.beta_id: (DefiFactsIn(libraries=4),
                                                                      facts[world.beta_id].version)})
    with pytest.raises(StaleEdit):
        programme_figures.record_defi_facts(world.coach, {
            world.alpha_id: (DefiFactsIn(public_code=True), facts[world.alpha_id].version),
            world.beta_id: (DefiFactsIn(libraries=1), facts[world.beta_id].version)})
    after = {f.id: f for f in programme_figures.defi_facts(world.coach, world.promotion_id)}
    assert (after[world.alpha_id].public_code, after[world.beta_id].libraries) == (False, 4)


@pytest.mark.parametrize("player", ["eig", "porteur", "sponsor", "outsider"])
def test_only_coaches_record_facts(world, player):
    actor = getattr(world, player)
    with pytest.raises(PermissionDenied):
        programme_figures.record_defi_facts(actor, {world.alpha_id: (DefiFactsIn(public_code=True), 1)})
    with pytest.raises(PermissionDenied):
        programme_figures.add_training(actor, world.promotion_id, TrainingIn(held_on=dt.date(2026, 5, 1), title="X"))
    with pytest.raises(PermissionDenied):
        programme_figures.record_eig_outcomes(actor, {1: (True, 1)})


def test_eig_outcomes_are_recorded_on_eig_memberships_only(world):
    outcomes = {o.eig: o for o in programme_figures.eig_outcomes(world.coach, world.promotion_id)}
    assert sorted(outcomes) == ["Bruno Beta", "Hugo EIG", "Inès Partie", "Léa EIG"]
    lea = outcomes["Léa EIG"]
    programme_figures.record_eig_outcomes(world.coach, {lea.membership_id: (True, lea.version)})
    with pytest.raises(StaleEdit):
        programme_figures.record_eig_outcomes(world.coach, {lea.membership_id: (False, lea.version)})
    with db.reading() as s:
        porteur = s.scalar(select(Membership.id).where(Membership.role == DefiRole.PORTEUR))
        version = s.get(Membership, porteur).version
    with pytest.raises(NotFound):
        programme_figures.record_eig_outcomes(world.coach, {porteur: (True, version)})
    figures = programme_figures.promotion_figures(world.coach).set_index("promotion_id")
    assert figures.loc[world.promotion_id, "eig_stayed"] == 1


def test_training_input_is_validated():
    with pytest.raises(ValidationError):
        TrainingIn(held_on=dt.date(2026, 5, 1), title="  ")
    with pytest.raises(ValidationError):
        TrainingIn(held_on=dt.date(2026, 5, 1), title="Atelier", attendees=-1)
    with pytest.raises(ValidationError):
        DefiFactsIn(published_datasets=-2)


# --- Coaching sessions -----------------------------------------------------------------------


def test_coach_logs_a_session_with_audit_and_lists_it(world):
    data = CoachingSessionIn(defi_id=world.alpha_id, held_on=dt.date(2026, 4, 24), form=CoachingForm.BUREAU_AIDE,
                             note="  Point sur l'accès aux données  ")
    session_id = coaching.log_session(world.coach, data, now=NOW)
    with db.reading() as s:
        session = s.get(CoachingSession, session_id)
        audit = s.scalar(select(AuditEvent).where(AuditEvent.entity == "coaching_session"))
    assert (session.coach_id, session.note, session.form) == (world.coach.id, "Point sur l'accès aux données",
                                                              CoachingForm.BUREAU_AIDE)
    assert audit.after["form"] == "bureau_aide" and audit.user_id == world.coach.id
    listed = coaching.promotion_sessions(world.coach, world.promotion_id)
    assert list(listed[["defi", "form_label", "coach"]].iloc[0]) == ["Alpha", "Bureau d'aide", "Claire Coach"]
    assert coaching.promotion_sessions(world.coach, world.other_promotion_id).empty


def test_a_session_in_the_future_or_on_an_unknown_defi_is_refused(world):
    with pytest.raises(ValueError, match="futur"):
        coaching.log_session(world.coach, CoachingSessionIn(defi_id=world.alpha_id, held_on=dt.date(2026, 4, 28),
                                                            form=CoachingForm.APPEL), now=NOW)
    with pytest.raises(NotFound):
        coaching.log_session(world.coach, CoachingSessionIn(defi_id=999, held_on=dt.date(2026, 4, 20),
                                                            form=CoachingForm.APPEL), now=NOW)
    with pytest.raises(ValidationError):
        CoachingSessionIn(defi_id=world.alpha_id, held_on=dt.date(2026, 4, 20), form="visio")
    with pytest.raises(ValidationError):
        CoachingSessionIn(defi_id=world.alpha_id, held_on=dt.date(2026, 4, 20), form="appel", note="x" * 501)


@pytest.mark.parametrize("player", ["eig", "porteur", "sponsor", "inactive"])
def test_only_coaches_log_and_read_coaching_sessions(world, player):
    actor = getattr(world, player)
    with pytest.raises(PermissionDenied):
        coaching.log_session(actor, CoachingSessionIn(defi_id=world.alpha_id, held_on=dt.date(2026, 4, 20),
                                                      form=CoachingForm.APPEL), now=NOW)
    with pytest.raises(PermissionDenied):
        coaching.promotion_sessions(actor, world.promotion_id)
