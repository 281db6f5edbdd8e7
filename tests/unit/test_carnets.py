"""The individual monthly carnet, on SQLite and PostgreSQL: the writing window,
one carnet per EIG and month, self-ratings on the current phase, and privacy."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import carnets
from lib.errors import PermissionDenied, StaleEdit
from lib.schemas import CarnetIn
from tests.conftest import said
from tests.unit.test_permission_matrix import PLAYERS

# Friday 20 November 2026: the test promotion (started 6 April) is in phase 3.
NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
NOVEMBER = dt.date(2026, 11, 1)
PHASE_3 = ["Analyse d'audience", "Gestion de communauté", "Marketing produit", "Hacking de croissance",
           "Mesure d'impact"]


def paris(day: str, time: str = "12:00") -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZoneInfo("Europe/Paris"))


def carnet(rating: int = 2, competencies: list[str] = PHASE_3, **texts: str) -> CarnetIn:
    values = {"objectifs": "Lancer la bêta", "besoins": "Un accès aux données", "apprentissages": "Le DSFR",
              "trajectoire": "Rester dans l'administration"}
    return CarnetIn(**{**values, **texts}, ratings={c: rating for c in competencies})


def test_form_offers_the_current_phase_competencies(world):
    form = carnets.carnet_form(world.eig, world.alpha_id, now=NOW)
    assert (form.month, form.phase_number, form.competencies) == (NOVEMBER, 3, PHASE_3)
    assert form.existing is None and form.editable
    assert form.editable_until == dt.date(2026, 12, 7)


def test_eig_writes_then_edits_this_months_carnet(world):
    carnet_id = carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), expected_version=None, now=NOW)
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(3, besoins="Du temps"), expected_version=1,
                        now=NOW)
    [view] = carnets.carnets_of(world.eig, world.alpha_id, world.eig.id, now=NOW)
    assert (view.id, view.besoins, view.phase_number, view.version) == (carnet_id, "Du temps", 3, 2)
    assert view.ratings == {c: 3 for c in PHASE_3} and view.editable


def test_one_carnet_per_month_a_second_new_one_is_refused(world):
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), expected_version=None, now=NOW)
    with pytest.raises(StaleEdit):
        carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(objectifs="Autre onglet"),
                            expected_version=None, now=NOW)
    with pytest.raises(StaleEdit):  # opened before the first edit: stale
        carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(4), expected_version=7, now=NOW)
    [view] = carnets.carnets_of(world.eig, world.alpha_id, world.eig.id, now=NOW)
    assert view.objectifs == "Lancer la bêta" and set(view.ratings.values()) == {2}


def test_every_competency_of_the_phase_is_rated_and_only_those(world):
    with pytest.raises(ValueError, match=said("carnet.ratings_mismatch", names="Mesure d'impact")):
        carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(competencies=PHASE_3[:-1]), None, now=NOW)
    with pytest.raises(ValueError, match=said("carnet.ratings_mismatch", names="Agilité")):
        carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(competencies=[*PHASE_3, "Agilité"]),
                            None, now=NOW)
    with pytest.raises(ValueError, match=said("validation.rating")):
        carnet(5)
    with pytest.raises(ValueError, match=said("carnet.validation.empty")):
        CarnetIn(ratings={})
    with pytest.raises(ValueError, match=said("validation.too_long", max=2000, n=2001)):
        carnet(objectifs="x" * 2001)


def test_carnet_is_editable_during_the_month_and_the_next_seven_days_only(world):
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), None, now=NOW)
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(3), 1, now=paris("2026-12-07", "23:59"))
    with pytest.raises(PermissionDenied, match=said("carnet.closed", month="novembre 2026")):
        carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(4), 2, now=paris("2026-12-08", "00:01"))
    [view] = carnets.carnets_of(world.eig, world.alpha_id, world.eig.id, now=paris("2026-12-08"))
    assert view.editable is False and set(view.ratings.values()) == {3}
    with pytest.raises(PermissionDenied):  # next month cannot be written in advance
        carnets.save_carnet(world.eig, world.alpha_id, dt.date(2026, 12, 1), carnet(), None, now=NOW)


def test_late_carnet_of_last_month_uses_that_months_phase(world):
    # 7 September, last day of grace: August (phase 2 until 6 September) still rates phase 2.
    form = carnets.carnet_form(world.eig, world.alpha_id, dt.date(2026, 8, 1), now=paris("2026-09-07"))
    assert form.phase_number == 2 and form.editable
    assert carnets.writable_months(dt.date(2026, 9, 7)) == [dt.date(2026, 9, 1), dt.date(2026, 8, 1)]
    assert carnets.writable_months(dt.date(2026, 9, 8)) == [dt.date(2026, 9, 1)]


def test_history_and_ratings_over_time(world):
    october = dt.date(2026, 10, 1)
    carnets.save_carnet(world.eig, world.alpha_id, october, carnet(1), None, now=paris("2026-10-15"))
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(2), None, now=NOW)
    history = carnets.carnets_of(world.coach, world.alpha_id, world.eig.id, now=NOW)
    assert [c.month for c in history] == [NOVEMBER, october]
    assert not any(c.editable for c in history)  # coaches read, never write
    df = carnets.ratings_history(world.eig, world.alpha_id, world.eig.id)
    marketing = df[df["competency"] == "Marketing produit"]
    assert list(zip(marketing["month"], marketing["rating"], strict=True)) == [(october, 1), (NOVEMBER, 2)]


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_only_the_eig_and_coaches_read_a_carnet(world, player):
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), None, now=NOW)
    actor = getattr(world, player)
    if PLAYERS[player] == "staff" or player == "eig":
        assert len(carnets.carnets_of(actor, world.alpha_id, world.eig.id, now=NOW)) == 1
        assert len(carnets.ratings_history(actor, world.alpha_id, world.eig.id)) == len(PHASE_3)
    else:
        with pytest.raises(PermissionDenied):
            carnets.carnets_of(actor, world.alpha_id, world.eig.id, now=NOW)
        with pytest.raises(PermissionDenied):
            carnets.ratings_history(actor, world.alpha_id, world.eig.id)


def test_other_eig_of_the_same_defi_sees_only_their_own(world):
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), None, now=NOW)
    assert carnets.carnets_of(world.eig2, world.alpha_id, world.eig2.id, now=NOW) == []
    with pytest.raises(PermissionDenied):
        carnets.carnets_of(world.eig2, world.alpha_id, world.eig.id, now=NOW)


@pytest.mark.parametrize("player", ["coach", "admin", "porteur", "sponsor", "beta_eig", "outsider", "inactive"])
def test_nobody_but_the_eig_writes_a_carnet(world, player):
    with pytest.raises(PermissionDenied):
        carnets.save_carnet(getattr(world, player), world.alpha_id, NOVEMBER, carnet(), None, now=NOW)
    with pytest.raises(PermissionDenied):
        carnets.carnet_form(getattr(world, player), world.alpha_id, now=NOW)


def test_coaches_see_who_has_not_written_this_month(world):
    carnets.save_carnet(world.eig, world.alpha_id, NOVEMBER, carnet(), None, now=NOW)
    status = carnets.team_status(world.coach, world.alpha_id, now=NOW)
    assert dict(zip(status["eig"], status["written_this_month"], strict=True)) == {"Hugo EIG": False,
                                                                                   "Léa EIG": True}
    missing = carnets.missing_this_month(world.coach, world.promotion_id, now=NOW)
    assert list(zip(missing["defi"], missing["eig"], strict=True)) == [("Alpha", "Hugo EIG"), ("Beta", "Bruno Beta")]
    # December: nobody has written yet.
    december = carnets.missing_this_month(world.coach, world.promotion_id, now=paris("2026-12-01"))
    assert len(december) == 3
    for actor in (world.eig, world.sponsor, world.porteur):
        with pytest.raises(PermissionDenied):
            carnets.team_status(actor, world.alpha_id, now=NOW)
        with pytest.raises(PermissionDenied):
            carnets.missing_this_month(actor, world.promotion_id, now=NOW)
