"""The home page's to-do per role (lib/todo.py): what each person owes and what needs them
this week, built from the other services' rules. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib import auth, bulletins, carnets, committees, db, formats, help_requests, phases, portfolio, todo, users
from lib.clock import week_deadline
from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import DefiRole, KeyDate, Promotion
from lib.schemas import (
    BulletinIn,
    CarnetIn,
    CommitteeActionIn,
    CommitteeScheduleIn,
    DefiIn,
    HelpAnswerIn,
    MembershipIn,
    PromotionIn,
    ReportIn,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
# Friday 20 November 2026, 11:00 in Paris (week 47, deadline at 15:00). Alpha (the coach's
# défi) is in phase 3 (6 Sept - 6 Dec): phases 1 and 2 ended without a committee.
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DEADLINE = dt.datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def kinds(items: list[todo.TodoItem], kind: str) -> list[todo.TodoItem]:
    return [i for i in items if i.kind == kind]


def file(world, actor=None, defi_id=None, help_request="", now=NOW) -> int:  # noqa: ANN001
    return bulletins.file_bulletin(actor or world.eig, defi_id or world.alpha_id, BulletinIn(
        mood=3, priority="Priorité", ups_downs="Hauts et bas", help_request=help_request), now=now)


def write_carnet(world, actor, month: dt.date, now: dt.datetime) -> None:  # noqa: ANN001
    form = carnets.carnet_form(actor, world.alpha_id, month, now)
    carnets.save_carnet(actor, world.alpha_id, month, CarnetIn(objectifs="Avancer",
                                                               ratings=dict.fromkeys(form.competencies, 3)),
                        None, now=now)


def ticket(world, text: str) -> int:  # noqa: ANN001
    board = help_requests.board(world.coach, world.promotion_id, now=NOW)
    return int(board[board["request"] == text]["id"].iloc[0])


def promotion_she_coaches(world, name: str, start: dt.date, defis: list[str]) -> tuple[int, dict[str, int]]:  # noqa: ANN001
    """A promotion created by the admin, with défis whose coach référente is the world's coach."""
    promotion_id = users.create_promotion(world.admin, PromotionIn(name=name, start_date=start))
    ids = {}
    for name in defis:
        ids[name] = users.create_defi(world.admin, DefiIn(promotion_id=promotion_id, name=name,
                                                          administration="Ministère des Tests (fictif)"))
        users.add_membership(world.admin, MembershipIn(user_id=world.coach.id, defi_id=ids[name],
                                                       role=DefiRole.COACH))
    return promotion_id, ids


# --- Coach -----------------------------------------------------------------------------------------


def test_coach_todo_is_refused_to_members(world):
    for actor in (world.eig, world.porteur, world.sponsor, world.outsider):
        with pytest.raises(PermissionDenied):
            todo.coach_todo(actor, world.promotion_id, NOW)


def test_coach_sees_her_defis_at_risk_with_the_portfolio_reasons(world):
    """The risk lines are the portfolio's rows for her défis, reasons word for word; Beta,
    whose référent she is not, stays out of her list."""
    items = todo.coach_todo(world.coach, world.promotion_id, NOW)
    rows = portfolio.coach_portfolio(world.coach, world.promotion_id, NOW).set_index("defi")
    assert rows.loc["Alpha", "level"] in ("eleve", "a_surveiller")  # no bulletin, no contact since the start
    risky = kinds(items, "risk")
    assert [(i.defi, i.detail) for i in risky] == [("Alpha", rows.loc["Alpha", "reasons"])]
    labels = {"eleve": "Risque élevé", "a_surveiller": "Risque à surveiller"}
    assert risky[0].label == labels[rows.loc["Alpha", "level"]]
    assert risky[0].page == "pages/portfolio.py" and risky[0].defi_id == world.alpha_id
    assert all(i.defi != "Beta" for i in items if i.kind != "help")


def test_coach_sees_help_requests_unassigned_or_hers_not_a_colleagues(world):
    file(world, world.beta_eig, world.beta_id, help_request="Beta attend un coach")
    file(world, help_request="Alpha a besoin de Claire")
    help_requests.assign(world.coach, ticket(world, "Alpha a besoin de Claire"), world.coach.id, now=NOW)
    items = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "help")
    assert {(i.defi, i.detail) for i in items} == {("Beta", "Beta attend un coach"),
                                                  ("Alpha", "Alpha a besoin de Claire")}
    assert "sans coach" in next(i.label for i in items if i.defi == "Beta")
    help_requests.assign(world.coach, ticket(world, "Beta attend un coach"), world.admin.id, now=NOW)
    help_requests.answer(world.coach, ticket(world, "Alpha a besoin de Claire"),
                         HelpAnswerIn(answer="Voici", resolve=True), now=NOW)
    assert kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "help") == []


def test_committees_to_schedule_are_phases_ending_within_three_weeks_without_one(world):
    p1, p2, p3, p4 = phases.defi_phases(world.coach, world.alpha_id, NOW.date())
    items = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "committee_to_schedule")
    assert [(i.defi, i.due) for i in items] == [("Alpha", p1.planned_end), ("Alpha", p2.planned_end),
                                                ("Alpha", p3.planned_end)]
    assert [i.urgent for i in items] == [True, True, False]  # the ended ones are late
    committees.schedule_committee(world.coach, p3.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 12, 3, 9, tzinfo=UTC)), now=NOW)
    items = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "committee_to_schedule")
    assert [i.due for i in items] == [p1.planned_end, p2.planned_end]
    # Three weeks before its end, phase 4 is not listed yet.
    assert p4.planned_end - dt.timedelta(weeks=3) > NOW.date()


def test_reports_to_write_then_to_publish_then_gone(world):
    p1 = phases.defi_phases(world.coach, world.alpha_id, NOW.date())[0]
    held = dt.datetime(2026, 6, 4, 8, tzinfo=UTC)
    cid = committees.schedule_committee(world.coach, p1.id, CommitteeScheduleIn(scheduled_at=held), now=held)
    [report] = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "report")
    assert report.label == "Rapport d'évaluation de la phase 1 à rédiger (comité du 04/06)"
    committees.save_report(world.coach, cid, ReportIn(text="Bilan"), 1, now=NOW)
    [report] = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "report")
    assert "à publier" in report.label and report.page == "pages/committees.py"
    committees.publish_report(world.coach, cid, 2, now=NOW)
    assert kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "report") == []


def test_overdue_actions_of_her_defis_come_first(world):
    p2 = phases.defi_phases(world.coach, world.alpha_id, NOW.date())[1]
    held = dt.datetime(2026, 9, 4, 8, tzinfo=UTC)
    cid = committees.schedule_committee(world.coach, p2.id, CommitteeScheduleIn(scheduled_at=held), now=held)
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Signer la convention",
                                                              owner_id=world.porteur.id, due_on=dt.date(2026, 11, 1)))
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Plus tard", owner_id=world.eig.id,
                                                              due_on=dt.date(2026, 12, 15)))
    items = todo.coach_todo(world.coach, world.promotion_id, NOW)
    [action] = kinds(items, "overdue_action")
    assert action.detail == "Signer la convention (Marc Porteur)" and action.due == dt.date(2026, 11, 1)
    assert action.urgent
    urgent = [i.urgent for i in items]
    assert urgent == sorted(urgent, reverse=True)  # every urgent line before the others


def test_missing_carnets_near_their_last_day_name_the_active_eigs(world):
    late_november = dt.datetime(2026, 11, 28, 10, tzinfo=UTC)  # November's carnet is due by 7 December
    [missing] = kinds(todo.coach_todo(world.coach, world.promotion_id, late_november), "carnets_missing")
    assert (missing.defi, missing.detail, missing.due) == ("Alpha", "Hugo EIG, Léa EIG", dt.date(2026, 12, 7))
    assert missing.label == "2 carnets mensuels de novembre 2026 pas encore écrits"  # Inès, inactive, is not counted
    write_carnet(world, world.eig, dt.date(2026, 11, 1), late_november)
    [missing] = kinds(todo.coach_todo(world.coach, world.promotion_id, late_november), "carnets_missing")
    assert missing.detail == "Hugo EIG"
    # Early in the month, the month's carnet is not due yet.
    assert kinds(todo.coach_todo(world.coach, world.promotion_id, dt.datetime(2026, 11, 10, tzinfo=UTC)),
                 "carnets_missing") == []


def test_the_next_promotion_takes_nothing_from_the_running_ones(world):
    """The admin created the next promotion and the coach's picker is on it: her to-do still has
    the running promotion's défi at risk, its help requests and overdue actions, and those of
    another running promotion she coaches in, each line opening in its own promotion; not the
    défis of that promotion she does not coach."""
    following = users.create_promotion(world.admin, PromotionIn(name="Promo suivante", start_date=dt.date(2027, 1, 4)))
    other, defis = promotion_she_coaches(world, "Promo bis", dt.date(2026, 9, 7), ["Delta"])
    users.create_defi(world.admin, DefiIn(promotion_id=other, name="Epsilon", administration="Ailleurs"))
    file(world, help_request="Alpha a besoin d'aide")
    p2 = phases.defi_phases(world.coach, world.alpha_id, NOW.date())[1]
    cid = committees.schedule_committee(world.coach, p2.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 9, 4, 8, tzinfo=UTC)), now=NOW)
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Signer la convention",
                                                              owner_id=world.porteur.id, due_on=dt.date(2026, 11, 1)))
    items = todo.coach_todo(world.coach, following, NOW)
    assert {(i.kind, i.defi, i.promotion_id) for i in items if i.defi == "Alpha"} >= {
        ("risk", "Alpha", world.promotion_id), ("help", "Alpha", world.promotion_id),
        ("overdue_action", "Alpha", world.promotion_id)}
    assert kinds(items, "risk")[0].urgent  # Alpha's high risk, at the top
    assert ("bulletin_missing", defis["Delta"], other) in {(i.kind, i.defi_id, i.promotion_id) for i in items}
    assert not [i for i in items if i.defi in ("Epsilon", "Beta") and i.kind != "help"]


@pytest.mark.parametrize(("start", "now", "grouped"), [
    (dt.date(2026, 11, 16), dt.datetime(2026, 11, 16, 9, tzinfo=PARIS), True),  # Monday
    (dt.date(2026, 11, 16), dt.datetime(2026, 11, 18, 18, tzinfo=PARIS), True),  # Wednesday evening
    (dt.date(2026, 11, 16), dt.datetime(2026, 11, 19, 9, tzinfo=PARIS), False),  # Thursday: the deadline's eve
    # Christmas is a Friday: the deadline moves to Thursday 24, its eve is Wednesday 23.
    (dt.date(2026, 12, 21), dt.datetime(2026, 12, 22, 9, tzinfo=PARIS), True),
    (dt.date(2026, 12, 21), dt.datetime(2026, 12, 23, 9, tzinfo=PARIS), False),
])
def test_bulletins_not_filed_are_one_line_until_the_deadlines_eve(world, start, now, grouped):
    """Early in the week every défi has yet to file: one line for those not at risk; from the
    deadline's eve, one line each. A défi at risk (two overdue actions) has its own line."""
    promotion_id, ids = promotion_she_coaches(world, "Promo bis", start, ["Delta", "Epsilon", "Theta", "Zeta"])
    p1 = phases.defi_phases(world.coach, ids["Zeta"], start)[0]
    cid = committees.schedule_committee(world.coach, p1.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime.combine(start, dt.time(9), tzinfo=UTC)), now=now)
    for description in ("Signer la convention", "Ouvrir les accès"):
        committees.add_action(world.coach, cid, CommitteeActionIn(description=description, owner_id=world.coach.id,
                                                                  due_on=start - dt.timedelta(days=1)))
    items = [i for i in kinds(todo.coach_todo(world.coach, promotion_id, now), "bulletin_missing")
             if i.defi != "Alpha"]  # Promo bis's (Alpha, of the running Promo test, is at risk)
    year, week, _ = start.isocalendar()
    deadline, label = week_deadline(year, week), t("todo.bulletin_missing", week=formats.iso_week(year, week))
    assert deadline.astimezone(PARIS).date() == start + dt.timedelta(days=3 if start.month == 12 else 4)
    if grouped:
        assert sorted((i.defi, i.label, i.detail, i.due) for i in items) == [
            ("", t("todo.bulletins_missing", n=3, week=formats.iso_week(year, week)), "Delta, Epsilon, Theta",
             deadline),
            ("Zeta", label, "", deadline)]
    else:
        assert [(i.defi, i.label, i.due) for i in items] == [(d, label, deadline)
                                                              for d in ("Delta", "Epsilon", "Theta", "Zeta")]


def test_a_help_request_waits_since_today_yesterday_or_days_in_calendar_days(world):
    """Counted in days of the calendar where the coach reads it: filed on Friday afternoon, it
    waits « depuis hier » on Saturday morning, less than 24 hours later."""
    file(world, help_request="Besoin d'un juriste", now=DEADLINE - dt.timedelta(hours=1))
    for now, waiting in [(NOW + dt.timedelta(hours=3), t("waiting.today")),
                         (dt.datetime(2026, 11, 21, 8, tzinfo=UTC), t("waiting.yesterday")),
                         (dt.datetime(2026, 11, 23, 8, tzinfo=UTC), t("waiting.days", n=3))]:
        [item] = kinds(todo.coach_todo(world.coach, world.promotion_id, now), "help")
        assert item.label == t("todo.help.unassigned", week="S47 (16-22 nov.)", waiting=waiting)
        assert item.record_id == ticket(world, "Besoin d'un juriste")
    assert t("waiting.today") == "en attente depuis aujourd'hui"


def test_bulletin_not_filed_this_week_until_it_is(world):
    [missing] = kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "bulletin_missing")
    assert (missing.defi, missing.due, missing.urgent) == ("Alpha", DEADLINE, False)
    assert "semaine du 16 novembre" in missing.label
    [late] = kinds(todo.coach_todo(world.coach, world.promotion_id, DEADLINE + dt.timedelta(hours=1)),
                   "bulletin_missing")
    assert late.urgent
    file(world)
    assert kinds(todo.coach_todo(world.coach, world.promotion_id, NOW), "bulletin_missing") == []


# --- What the home opens on -------------------------------------------------------------------------


def test_the_running_promotion_is_the_default_not_the_next_one(world):
    """The admin created the next promotion months ahead: it comes first in the picker, but
    everyone opens on the running one, their own before another; when none runs, their own,
    then the latest started."""
    following = users.create_promotion(world.admin, PromotionIn(name="Promo suivante", start_date=dt.date(2027, 1, 4)))
    assert portfolio.promotions_for(world.coach)[0].id == following  # newest first, as the picker lists them
    for actor in (world.coach, world.admin, world.eig):
        assert portfolio.default_promotion(actor, NOW) == world.promotion_id
    assert portfolio.default_promotion(world.gamma_eig, NOW) == world.other_promotion_id  # hers, ended
    # Two running promotions: the person's own first, else the latest started.
    other = users.create_promotion(world.admin, PromotionIn(name="Promo bis", start_date=dt.date(2026, 9, 7)))
    assert portfolio.default_promotion(world.coach, NOW) == world.promotion_id
    assert portfolio.default_promotion(world.admin, NOW) == other
    # None running (Promo suivante ended in November 2027): her own, else the latest started.
    later = dt.datetime(2027, 12, 1, 9, tzinfo=UTC)
    assert portfolio.default_promotion(world.coach, later) == world.promotion_id
    assert portfolio.default_promotion(world.admin, later) == following


def test_the_sidebar_defi_of_a_coach_is_one_of_hers(world):
    defis = portfolio.defis_for(world.admin, world.promotion_id)
    assert portfolio.default_defi(defis).name == "Alpha"  # the admin coaches none: the first
    users.add_membership(world.admin, MembershipIn(user_id=world.admin.id, defi_id=world.beta_id,
                                                   role=DefiRole.COACH))
    assert portfolio.default_defi(portfolio.defis_for(world.admin, world.promotion_id)).name == "Beta"
    assert portfolio.default_defi([]) is None


# --- EIG ---------------------------------------------------------------------------------------------


def test_eig_sees_this_weeks_bulletin_due_then_filed(world):
    [bulletin] = kinds(todo.eig_todo(world.eig, world.promotion_id, NOW), "bulletin")
    assert (bulletin.defi, bulletin.due, bulletin.done) == ("Alpha", DEADLINE, False)
    assert bulletin.page == "pages/bulletin.py"
    file(world)
    items = todo.eig_todo(world.eig, world.promotion_id, NOW)
    [bulletin] = kinds(items, "bulletin")
    assert bulletin.done and bulletin.label == "Bulletin de la semaine du 16 novembre déposé"
    assert items[-1].kind == "bulletin" and items[-1].done  # done lines at the bottom


def test_eig_sees_her_carnet_due_then_done_and_last_months_during_its_grace(world):
    early_december = dt.datetime(2026, 12, 3, 10, tzinfo=UTC)  # November still writable until the 7th
    items = kinds(todo.eig_todo(world.eig, world.promotion_id, early_december), "carnet")
    assert [(i.label, i.due, i.done) for i in items] == [
        ("Carnet mensuel de novembre 2026 à écrire", dt.date(2026, 12, 7), False),
        ("Carnet mensuel de décembre 2026 à écrire", dt.date(2027, 1, 7), False)]
    for month in (dt.date(2026, 11, 1), dt.date(2026, 12, 1)):
        write_carnet(world, world.eig, month, early_december)
    items = kinds(todo.eig_todo(world.eig, world.promotion_id, early_december), "carnet")
    assert [(i.label, i.done) for i in items] == [("Carnet mensuel de décembre 2026 écrit", True)]
    # Her teammate's carnet is not hers.
    assert not any(i.done for i in kinds(todo.eig_todo(world.eig2, world.promotion_id, early_december), "carnet"))


def test_eig_sees_her_actions_the_answers_and_what_comes(world, engine):
    p2, p3 = phases.defi_phases(world.coach, world.alpha_id, NOW.date())[1:3]
    held = dt.datetime(2026, 9, 4, 8, tzinfo=UTC)
    cid = committees.schedule_committee(world.coach, p2.id, CommitteeScheduleIn(scheduled_at=held), now=held)
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Écrire la doc", owner_id=world.eig.id,
                                                              due_on=dt.date(2026, 11, 18)))
    committees.add_action(world.coach, cid, CommitteeActionIn(description="Pas la sienne", owner_id=world.eig2.id,
                                                              due_on=dt.date(2026, 11, 18)))
    committees.schedule_committee(world.coach, p3.id, CommitteeScheduleIn(
        scheduled_at=dt.datetime(2026, 12, 3, 9, tzinfo=UTC)), now=NOW)
    file(world, help_request="Un contact juridique ?")
    help_requests.answer(world.coach, ticket(world, "Un contact juridique ?"), HelpAnswerIn(answer="Voyez Maître X"),
                         now=NOW)
    with db.transaction(engine) as s:
        s.add_all([KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 11, 26), description="Démo au sponsor"),
                   KeyDate(defi_id=world.alpha_id, on_date=dt.date(2027, 2, 1), description="Trop loin"),
                   KeyDate(defi_id=world.beta_id, on_date=dt.date(2026, 11, 25), description="Celle de Beta")])
    items = todo.eig_todo(world.eig, world.promotion_id, NOW)
    [action] = kinds(items, "my_action")
    assert (action.detail, action.urgent) == ("Écrire la doc", True)
    assert [i.detail for i in kinds(items, "help_answer")] == ["Voyez Maître X"]
    assert [(i.detail, i.on) for i in kinds(items, "key_date")] == [("Démo au sponsor", dt.date(2026, 11, 26))]
    [committee] = kinds(items, "committee")
    assert committee.label == "Comité d'évaluation de la phase 3" and committee.on == dt.datetime(2026, 12, 3, 9,
                                                                                                  tzinfo=UTC)
    assert items[0].kind == "my_action"  # the overdue action first


def test_eig_todo_has_nothing_for_people_who_are_not_eig(world):
    assert todo.eig_todo(world.porteur, world.promotion_id, NOW) == []
    assert todo.eig_todo(world.outsider, world.promotion_id, NOW) == []
    beta = todo.eig_todo(world.beta_eig, world.promotion_id, NOW)
    assert beta and {i.defi for i in beta} == {"Beta"}
    # Once the programme has ended, no bulletin or carnet is due any more.
    assert todo.eig_todo(world.gamma_eig, world.other_promotion_id, NOW) == []
    assert kinds(todo.eig_todo(world.gamma_eig, world.other_promotion_id, dt.datetime(2025, 3, 5, tzinfo=UTC)),
                 "bulletin")


# --- Admin -------------------------------------------------------------------------------------------


def test_admin_todo_is_for_admins_only(world):
    with pytest.raises(PermissionDenied):
        todo.admin_todo(world.coach, NOW)


def test_admin_sees_locked_and_never_used_accounts(world):
    items = todo.admin_todo(world.admin, NOW)
    [never] = kinds(items, "never_used")
    assert never.label == "9 comptes actifs ne se sont jamais connectés"  # every active account
    assert auth.check_login("coach", "mot-de-passe-test", "10.0.0.1", now=NOW).ok
    for _ in range(auth.MAX_FAILURES):
        auth.check_login("eig", "mauvais", "10.0.0.2", now=NOW)
    items = todo.admin_todo(world.admin, NOW + dt.timedelta(minutes=1))
    [locked] = kinds(items, "locked")
    assert locked.detail == "Léa EIG (eig)" and locked.due > NOW and locked.urgent
    assert kinds(items, "never_used")[0].label.startswith("8 comptes")
    assert kinds(todo.admin_todo(world.admin, NOW + dt.timedelta(hours=2)), "locked") == []  # the lock ended


def test_admin_sees_defis_without_coach_or_eig_and_promotions_without_phases(world, engine):
    items = todo.admin_todo(world.admin, NOW)
    # Gamma's promotion has ended. The promotion's name is user text: in the detail, never the label.
    assert [(i.defi, i.label, i.detail) for i in kinds(items, "defi_without_coach")] == [
        ("Beta", "Défi sans coach référent·e", "Promo test")]
    assert kinds(items, "defi_without_eig") == []
    assert kinds(items, "promotion_without_phases") == []
    with db.transaction(engine) as s:
        s.add(Promotion(name="Promo vide", start_date=dt.date(2027, 1, 4), months=10))
    items = todo.admin_todo(world.admin, NOW)
    assert [i.detail for i in kinds(items, "promotion_without_phases")] == ["Promo vide"]
