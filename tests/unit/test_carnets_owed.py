"""Who owes which monthly carnet (lib/carnets.py, `owes`), as the EIG's and the coach's to-do,
the carnet page and the portfolio read it: nobody owes a month before they start, the
promotion's start or their own later arrival. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib import carnets, db, portfolio, todo, users
from lib.errors import PermissionDenied
from lib.models import DefiRole, MonthlyCarnet
from lib.schemas import CarnetIn, DefiIn, MembershipsIn, PromotionIn
from tests.conftest import said

PARIS = ZoneInfo("Europe/Paris")
# A promotion starting on the 1st of December, and one on Monday 7 December, the last day
# November's carnet can be written (the issue's « à écrire · aujourd'hui »).
DECEMBER_STARTS = [dt.date(2026, 12, 1), dt.date(2026, 12, 7)]
AUGUST, SEPTEMBER, OCTOBER = dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)
# Omar joins Alpha (test promotion, started 6 April 2026) as an EIG on Wednesday 2 September,
# while August's carnet can still be written (until 7 September).
ARRIVAL = dt.date(2026, 9, 2)


def at(day: dt.date, time: str = "09:00") -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), PARIS)


def kinds(items: list[todo.TodoItem], kind: str) -> list[todo.TodoItem]:
    return [i for i in items if i.kind == kind]


def december_promotion(world, start: dt.date) -> tuple[int, int]:  # noqa: ANN001
    """A promotion starting on `start` with one défi, Delta, whose EIGs are Léa and Hugo."""
    promotion_id = users.create_promotion(world.admin, PromotionIn(name="EIG décembre", start_date=start))
    defi_id = users.create_defi(world.admin, DefiIn(promotion_id=promotion_id, name="Delta",
                                                    administration="Ministère des Tests (fictif)"))
    users.add_memberships(world.admin, MembershipsIn(user_ids=[world.eig.id, world.eig2.id], defi_id=defi_id,
                                                     role=DefiRole.EIG))
    return promotion_id, defi_id


def omar_arrives(world) -> None:  # noqa: ANN001
    users.add_memberships(world.admin, MembershipsIn(user_ids=[world.outsider.id], defi_id=world.alpha_id,
                                                     role=DefiRole.EIG, joined_on=ARRIVAL))


def write(world, actor, month: dt.date, now: dt.datetime) -> None:  # noqa: ANN001
    form = carnets.carnet_form(actor, world.alpha_id, month, now)
    carnets.save_carnet(actor, world.alpha_id, month, CarnetIn(objectifs="Avancer",
                                                               ratings=dict.fromkeys(form.competencies, 3)),
                        None, now=now)


# --- A promotion starting in December -----------------------------------------------------------


@pytest.mark.parametrize("start", DECEMBER_STARTS)
def test_on_a_december_promotions_first_day_its_eigs_owe_decembers_carnet_not_novembers(world, start):
    promotion_id, defi_id = december_promotion(world, start)
    items = kinds(todo.eig_todo(world.eig, promotion_id, at(start)), "carnet")
    assert [(i.label, i.due, i.urgent) for i in items] == [
        ("Carnet mensuel de décembre 2026 à écrire", dt.date(2027, 1, 7), False)]
    # The carnet page offers December only, and November cannot be written for this défi.
    assert carnets.months_to_write(world.eig, defi_id, at(start)) == [dt.date(2026, 12, 1)]
    # The week before, nothing is owed yet: no carnet line, and nothing to write.
    assert kinds(todo.eig_todo(world.eig, promotion_id, at(start - dt.timedelta(days=7))), "carnet") == []
    assert carnets.months_to_write(world.eig, defi_id, at(start - dt.timedelta(days=7))) == []


@pytest.mark.parametrize("start", DECEMBER_STARTS)
def test_on_a_december_promotions_first_day_its_coach_sees_no_carnet_missing(world, start):
    promotion_id, defi_id = december_promotion(world, start)
    week_before = at(start - dt.timedelta(days=7))
    for now in (week_before, at(start)):  # (the running test promotion's own lines are its own)
        assert [i for i in kinds(todo.coach_todo(world.coach, promotion_id, now), "carnets_missing")
                if i.promotion_id == promotion_id] == []
    row = portfolio.coach_portfolio(world.coach, promotion_id, at(start)).set_index("id").loc[defi_id]
    assert (row["carnets_missing"], row["reasons"]) == (0, "")
    # The carnet page: before the start nobody owes November's (nor December's) carnet; from
    # the first day, December's is this month's, not yet written.
    assert carnets.missing_this_month(world.coach, promotion_id, now=week_before).empty
    assert not carnets.team_status(world.coach, defi_id, now=week_before)["owes_this_month"].any()
    assert list(carnets.missing_this_month(world.coach, promotion_id, now=at(start))["eig"]) == ["Hugo EIG", "Léa EIG"]


# --- An EIG who arrives during the promotion ---------------------------------------------------


def test_an_eig_who_arrives_during_the_grace_owes_this_months_carnet_not_last_months(world):
    omar_arrives(world)
    items = kinds(todo.eig_todo(world.outsider, world.promotion_id, at(ARRIVAL)), "carnet")
    assert [(i.label, i.due) for i in items] == [("Carnet mensuel de septembre 2026 à écrire", dt.date(2026, 10, 7))]
    assert carnets.months_to_write(world.outsider, world.alpha_id, at(ARRIVAL)) == [SEPTEMBER]
    with pytest.raises(PermissionDenied, match=said("carnet.not_owed", month="août 2026")):
        write(world, world.outsider, AUGUST, at(ARRIVAL))
    # Léa was there in August: she still owes it, during its grace.
    assert [i.label for i in kinds(todo.eig_todo(world.eig, world.promotion_id, at(ARRIVAL)), "carnet")] == [
        "Carnet mensuel de août 2026 à écrire", "Carnet mensuel de septembre 2026 à écrire"]


def test_the_coach_is_not_told_of_carnets_from_before_an_eigs_arrival(world):
    omar_arrives(world)
    teams = users.list_memberships(world.coach, world.promotion_id).set_index("login")
    assert teams.loc["outsider", "joined_on"] == ARRIVAL and teams.loc["eig", "joined_on"] is None
    [missing] = kinds(todo.coach_todo(world.coach, world.promotion_id, at(ARRIVAL)), "carnets_missing")
    assert (missing.label, missing.detail) == ("2 carnets mensuels de août 2026 pas encore écrits",
                                               "Hugo EIG, Léa EIG")
    # Entered ahead of his arrival, he owes nothing before it.
    before = at(dt.date(2026, 8, 20))
    assert "Omar Dehors" not in set(carnets.missing_this_month(world.coach, world.promotion_id, now=before)["eig"])
    status = carnets.team_status(world.coach, world.alpha_id, now=before).set_index("eig")
    assert (bool(status.loc["Omar Dehors", "owes_this_month"]), bool(status.loc["Léa EIG", "owes_this_month"])) == (
        False, True)


def test_the_portfolio_counts_only_the_carnets_owed_since_an_eigs_arrival(world):
    omar_arrives(world)
    with db.transaction() as s:  # July to September are closed on 14 October; Omar wrote September's
        s.add_all(MonthlyCarnet(user_id=user.id, defi_id=world.alpha_id, month=month, objectifs="Avancer")
                  for user in (world.eig, world.eig2) for month in (dt.date(2026, 7, 1), AUGUST, SEPTEMBER))
        s.add(MonthlyCarnet(user_id=world.outsider.id, defi_id=world.alpha_id, month=SEPTEMBER, objectifs="Avancer"))
    october = at(dt.date(2026, 10, 14))
    row = portfolio.coach_portfolio(world.coach, world.promotion_id, october).set_index("id").loc[world.alpha_id]
    assert row["carnets_missing"] == 0 and "carnet" not in row["reasons"]
