"""The portfolio's risk rules, one by one: each test builds the situation in the database
on top of a healthy défi and asserts the reason the coaches read (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import delete, event, select, update

from lib import db, portfolio, risk
from lib.errors import PermissionDenied
from lib.models import (
    ActionStatus,
    Administration,
    Bulletin,
    CoachingForm,
    CoachingSession,
    Committee,
    CommitteeAction,
    Defi,
    DefiPhase,
    HelpRequest,
    HelpStatus,
    MonthlyCarnet,
    PhaseObjective,
    PhaseTemplate,
    Promotion,
)
from lib.phases import create_defi_phases

UTC = dt.UTC
TODAY = dt.date(2026, 10, 14)  # a Wednesday in phase 3 of the test promotion (started 2026-04-06)
NOW = dt.datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
LAST_MONDAY = dt.date(2026, 10, 5)
WEEKS = [LAST_MONDAY - dt.timedelta(weeks=k) for k in range(7, -1, -1)]  # the 8 weeks before this one
CLOSED_MONTHS = [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]


def _phase(s, defi_id: int, number: int) -> DefiPhase:  # noqa: ANN001
    return s.scalar(select(DefiPhase).join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                    .where(DefiPhase.defi_id == defi_id, PhaseTemplate.number == number))


def _bulletin(defi_id: int, monday: dt.date, mood: int) -> Bulletin:
    year, week = monday.isocalendar()[:2]
    return Bulletin(defi_id=defi_id, iso_year=year, iso_week=week, week_start=monday, mood=mood,
                    priority="Avancer", ups_downs="RAS")


@pytest.fixture
def healthy(world):  # noqa: ANN001, ANN201
    """Alpha on TODAY with nothing to say: phases 1-2 validated, phase 3 on track, a bulletin
    every week at 🙂, a coaching session two days ago, every carnet of the closed months."""
    with db.transaction() as s:
        for number in (1, 2):
            _phase(s, world.alpha_id, number).validated_at = dt.datetime(2026, 9, 1, tzinfo=UTC)
        phase3 = _phase(s, world.alpha_id, 3)
        s.add_all(PhaseObjective(defi_phase_id=phase3.id, position=i, label=f"Objectif {i}", done=i < 2)
                  for i in range(4))
        s.add_all(_bulletin(world.alpha_id, monday, 3) for monday in WEEKS)
        s.add(CoachingSession(defi_id=world.alpha_id, coach_id=world.coach.id, held_on=TODAY - dt.timedelta(days=2),
                              form=CoachingForm.APPEL))
        s.add_all(MonthlyCarnet(user_id=user.id, defi_id=world.alpha_id, month=month, objectifs="Avancer")
                  for user in (world.eig, world.eig2) for month in CLOSED_MONTHS)
    return world


def alpha(world, now: dt.datetime = NOW) -> dict:  # noqa: ANN001
    rows = portfolio.coach_portfolio(world.coach, world.promotion_id, now)
    return rows.set_index("id").loc[world.alpha_id].to_dict()


def set_moods(world, moods: list[int]) -> None:  # noqa: ANN001
    """The moods of the last len(moods) weeks, oldest first."""
    with db.transaction() as s:
        for monday, mood in zip(WEEKS[-len(moods):], moods, strict=True):
            s.execute(update(Bulletin).where(Bulletin.defi_id == world.alpha_id, Bulletin.week_start == monday)
                      .values(mood=mood))


def test_healthy_defi_has_no_reason_and_a_low_risk(healthy):
    row = alpha(healthy)
    assert (row["level"], row["reasons"]) == ("faible", "")
    assert row["phase"] == "3. Prouver la valeur" and row["objectives"] == 50
    assert row["moods"] == [3, 3, 3, 3] and row["participation"] == "8 / 8"
    assert row["weeks_without_contact"] == 0 and row["carnets_missing"] == 0


def test_mood_that_fell_two_steps_is_a_decline_dated_from_its_fall(healthy):
    set_moods(healthy, [4, 3, 3, 2])
    row = alpha(healthy)
    assert row["reasons"] == "humeur en baisse depuis 3 semaines"
    assert row["level"] == "a_surveiller" and row["moods"] == [4, 3, 3, 2]


def test_mood_that_fell_one_step_only_is_not_a_decline(healthy):
    set_moods(healthy, [4, 4, 4, 3])
    assert alpha(healthy)["reasons"] == ""


def test_decline_skips_weeks_without_bulletin_and_starts_after_a_plateau():
    assert risk.decline([4, None, 3, 2]) == (2, 2)
    assert risk.decline([4, 4, 3, 2]) == (2, 2)
    assert risk.decline([2, 3, 3, 1]) == (1, 2)
    assert risk.decline([3, 2, 3, 3]) == (0, 0)
    assert risk.decline([]) == (0, 0)


def test_low_average_mood(healthy):
    set_moods(healthy, [2, 2, 2, 1])
    assert alpha(healthy)["reasons"] == "humeur basse (moyenne 1,8 sur 4 semaines)"


def test_two_missing_bulletins_over_eight_weeks(healthy):
    with db.transaction() as s:
        s.execute(delete(Bulletin).where(Bulletin.defi_id == healthy.alpha_id, Bulletin.week_start.in_(WEEKS[:2])))
    row = alpha(healthy)
    assert row["reasons"] == "2 bulletins manquants sur 8 semaines"
    assert row["participation"] == "6 / 8"


def test_one_missing_bulletin_and_this_weeks_are_not_reasons(healthy):
    with db.transaction() as s:
        s.execute(delete(Bulletin).where(Bulletin.defi_id == healthy.alpha_id, Bulletin.week_start == WEEKS[0]))
    assert alpha(healthy)["reasons"] == ""


def test_this_week_counts_from_its_deadline_on_not_before(healthy):
    # Friday 16 October, deadline 15:00 Paris: the week of 12 October has no bulletin yet.
    with db.transaction() as s:
        s.execute(delete(Bulletin).where(Bulletin.defi_id == healthy.alpha_id, Bulletin.week_start == WEEKS[-1]))
    before = alpha(healthy, dt.datetime(2026, 10, 16, 12, 59, tzinfo=UTC))
    assert (before["participation"], before["reasons"]) == ("7 / 8", "")
    after = alpha(healthy, dt.datetime(2026, 10, 16, 13, 0, tzinfo=UTC))
    assert after["participation"] == "6 / 8"
    assert after["reasons"] == "2 bulletins manquants sur 8 semaines"


def test_phase_window_over_without_validation(healthy):
    with db.transaction() as s:
        _phase(s, healthy.alpha_id, 2).validated_at = None  # phase 2 ended on 2026-09-06
    assert alpha(healthy)["reasons"] == "phase 2 en retard de 38 jours"


def test_phase_late_for_less_than_a_week_is_not_a_reason(healthy):
    with db.transaction() as s:
        phase = _phase(s, healthy.alpha_id, 2)
        phase.validated_at, phase.planned_end = None, TODAY - dt.timedelta(days=6)
    assert alpha(healthy)["reasons"] == ""


def test_objectives_far_behind_the_time_elapsed(healthy):
    with db.transaction() as s:
        phase3 = _phase(s, healthy.alpha_id, 3)
        phase3.planned_end = dt.date(2026, 10, 20)  # 38 days of 44 elapsed: 86 %
        s.execute(update(PhaseObjective).where(PhaseObjective.defi_phase_id == phase3.id, PhaseObjective.position == 1)
                  .values(done=False))
    assert alpha(healthy)["reasons"] == "phase 3 : 25 % des objectifs atteints pour 86 % du temps écoulé"


def _committee_actions(world, statuses: list[ActionStatus]) -> None:  # noqa: ANN001
    with db.transaction() as s:
        committee = Committee(defi_phase_id=_phase(s, world.alpha_id, 2).id,
                              scheduled_at=dt.datetime(2026, 9, 4, 8, tzinfo=UTC))
        committee.actions = [CommitteeAction(description=f"Action {i}", due_on=dt.date(2026, 10, 1), status=status)
                             for i, status in enumerate(statuses)]
        s.add(committee)


def test_two_overdue_actions(healthy):
    _committee_actions(healthy, [ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.DONE])
    row = alpha(healthy)
    assert row["reasons"] == "2 actions de comité en retard" and row["overdue_actions"] == 2


def test_one_overdue_action_is_not_a_reason(healthy):
    _committee_actions(healthy, [ActionStatus.OPEN, ActionStatus.DROPPED])
    row = alpha(healthy)
    assert row["reasons"] == "" and row["overdue_actions"] == 1


def _help(world, status: HelpStatus, days_ago: int, answered_days_ago: int | None = None) -> None:  # noqa: ANN001
    with db.transaction() as s:
        bulletin = s.scalar(select(Bulletin).where(Bulletin.defi_id == world.alpha_id,
                                                   Bulletin.week_start == WEEKS[-3]))
        bulletin.help_request = "Un contact à la DSI ?"
        answered = NOW - dt.timedelta(days=answered_days_ago) if answered_days_ago is not None else None
        bulletin.help = HelpRequest(status=status, created_at=NOW - dt.timedelta(days=days_ago),
                                    first_answered_at=answered,
                                    resolved_at=answered if status is HelpStatus.RESOLVED else None)


def test_help_request_unresolved_for_two_weeks(healthy):
    _help(healthy, HelpStatus.ASSIGNED, days_ago=20)
    row = alpha(healthy)
    assert row["reasons"] == "1 demande d'aide non résolue depuis 20 jours"
    assert (row["open_help"], row["oldest_help_days"]) == (1, 20)


def test_resolved_or_recent_help_requests_are_not_reasons(healthy):
    _help(healthy, HelpStatus.RESOLVED, days_ago=30, answered_days_ago=25)
    assert alpha(healthy)["reasons"] == ""


def test_no_coach_contact_for_three_weeks(healthy):
    with db.transaction() as s:
        s.execute(update(CoachingSession).values(held_on=TODAY - dt.timedelta(days=25)))
    row = alpha(healthy)
    assert row["reasons"] == "pas de contact coach depuis 3 semaines"
    assert row["last_contact"] == TODAY - dt.timedelta(days=25)


def test_a_help_answer_or_a_committee_is_a_coach_contact(healthy):
    with db.transaction() as s:
        s.execute(delete(CoachingSession))
    assert alpha(healthy)["reasons"].startswith("pas de contact coach depuis 27 semaines")  # since the start
    _help(healthy, HelpStatus.RESOLVED, days_ago=10, answered_days_ago=4)
    assert alpha(healthy)["reasons"] == ""
    assert alpha(healthy)["last_contact"] == TODAY - dt.timedelta(days=4)


def test_future_coaching_session_is_not_a_contact(healthy):
    with db.transaction() as s:
        s.execute(update(CoachingSession).values(held_on=TODAY - dt.timedelta(days=30)))
        s.add(CoachingSession(defi_id=healthy.alpha_id, held_on=TODAY + dt.timedelta(days=3),
                              form=CoachingForm.ATELIER))
    assert alpha(healthy)["reasons"] == "pas de contact coach depuis 4 semaines"


def test_missing_monthly_carnet_of_an_active_eig(healthy):
    with db.transaction() as s:
        s.execute(delete(MonthlyCarnet).where(MonthlyCarnet.user_id == healthy.eig2.id,
                                               MonthlyCarnet.month == CLOSED_MONTHS[-1]))
    row = alpha(healthy)
    assert row["reasons"] == "1 carnet mensuel manquant" and row["carnets_missing"] == 1


def test_this_months_carnet_is_not_yet_missing(healthy):
    # October can be written until 7 November; the deactivated EIG of Alpha is not expected.
    assert risk.closed_months(_promotion(healthy), TODAY, 3) == CLOSED_MONTHS
    assert alpha(healthy)["carnets_missing"] == 0


def _promotion(world) -> Promotion:  # noqa: ANN001
    with db.reading() as s:
        return s.get(Promotion, world.promotion_id)


def test_three_reasons_make_a_high_risk_with_every_reason_in_words(healthy):
    set_moods(healthy, [4, 3, 2, 2])
    with db.transaction() as s:
        _phase(s, healthy.alpha_id, 2).validated_at = None
        s.execute(delete(CoachingSession))
    row = alpha(healthy)
    assert row["level"] == "eleve" and row["level_label"] == "élevé"
    assert row["reasons"] == ("humeur en baisse depuis 3 semaines; phase 2 en retard de 38 jours; "
                              "pas de contact coach depuis 27 semaines")


def test_risk_applies_only_while_the_programme_runs(healthy):
    after_end = dt.datetime(2027, 3, 1, 10, tzinfo=UTC)
    row = alpha(healthy, after_end)
    assert (row["level"], row["level_label"], row["reasons"]) == ("", "—", "")


def test_rule_documentation_is_built_from_the_thresholds():
    docs = risk.rule_docs()
    assert len(docs) == len(risk.RULES) + 1
    assert any(f"{risk.THRESHOLDS.help_age_days} jours" in d for d in docs)
    changed = risk.rule_docs(risk.Thresholds(help_age_days=21, high_reasons=5))
    assert any("21 jours" in d for d in changed) and "à partir de 5" in changed[-1]


def test_thresholds_change_what_the_rules_say():
    signals = risk.Signals(defi_id=1, defi="A", administration="B", weeks_without_contact=3)
    assert risk.coach_absent(signals) == "pas de contact coach depuis 3 semaines"
    assert risk.coach_absent(signals, risk.Thresholds(coach_contact_weeks=4)) is None


@pytest.mark.parametrize("player", ["eig", "porteur", "sponsor", "outsider", "inactive"])
def test_only_coaches_and_admins_read_the_portfolio(world, player):
    with pytest.raises(PermissionDenied):
        portfolio.coach_portfolio(getattr(world, player), world.promotion_id, NOW)
    assert len(portfolio.coach_portfolio(world.admin, world.promotion_id, NOW)) == 2


def test_portfolio_reads_a_fixed_number_of_queries_whatever_the_defis(healthy, engine):
    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            alpha(healthy)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    with db.transaction() as s:
        promotion = s.get(Promotion, healthy.promotion_id)
        ministry = s.scalar(select(Administration))
        for i in range(10):
            defi = Defi(promotion_id=promotion.id, administration_id=ministry.id, name=f"Défi {i}")
            s.add(defi)
            s.flush()
            create_defi_phases(s, defi, promotion)
            s.add(_bulletin(defi.id, LAST_MONDAY, 2))
    assert statements() == few


def test_portfolio_of_some_defis_reads_as_their_rows_of_the_whole_promotion(healthy):
    """The coach's to-do reads the risk of her défis only: the same rows, reasons included,
    as the whole promotion's portfolio gives them."""
    set_moods(healthy, [3, 1, 1, 1])  # Alpha: a fall and a low mood; Beta: no bulletin at all
    whole = portfolio.coach_portfolio(healthy.coach, healthy.promotion_id, NOW)
    assert set(whole["id"]) == {healthy.alpha_id, healthy.beta_id}
    for defi_id in (healthy.alpha_id, healthy.beta_id):
        some = portfolio.coach_portfolio(healthy.coach, healthy.promotion_id, NOW, [defi_id])
        expected = whole[whole["id"] == defi_id].reset_index(drop=True)
        assert expected["reasons"].iloc[0]  # each has something to say
        assert _records(some) == _records(expected)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts, a missing value as None whatever the column's dtype (pandas widens a
    column of ints with a None into floats with NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
