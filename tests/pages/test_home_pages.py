"""The home page's to-do per role under AppTest (lib/todo.py): the lines each role reads,
user text shown as typed, the empty state, and a line's button opening its page on its défi."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import bulletins
from lib.schemas import BulletinIn
from tests.conftest import set_clock
from tests.pages.conftest import texts

NOW = dt.datetime(2026, 11, 16, 8, 30, tzinfo=dt.UTC)  # a Monday morning, phase 3 of the test promotion
HELP = "Besoin d'un **juriste** : voir [ce lien](http://x.fr)"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # noqa: ANN001, ANN201
    set_clock(monkeypatch, NOW)


@pytest.fixture
def beta_asks(world):  # noqa: ANN001, ANN201
    """Beta, whose référent the coach is not, files a help request nobody has taken yet."""
    bulletins.file_bulletin(world.beta_eig, world.beta_id, BulletinIn(
        mood=2, priority="Cadrer", ups_downs="Bloqués", help_request=HELP), now=NOW)
    return world


def lines(at) -> list[str]:  # noqa: ANN001
    """The to-do's lines, in order (each starts with its state's icon)."""
    return [m.value for m in at.markdown if ":material/" in m.value.split("**")[0]]


def test_coach_home_lists_her_week_and_the_promotion_table_with_risk(app_as, beta_asks):
    at = app_as("coach")
    assert not at.exception
    page = texts(at)
    assert "Cette semaine" in page
    assert "**Alpha** · Risque élevé" in page or "**Alpha** · Risque à surveiller" in page
    assert "**Beta** · Demande d'aide sans coach attribué · bulletin S47 (16-22 nov.)" in page
    assert "**Alpha** · Bulletin de la semaine du 16 novembre pas encore déposé · :orange[avant vendredi 15:00]" in page
    # The help request is user text: shown as typed, never as bold or a link.
    captions = [c.value for c in at.caption]
    assert not any("**juriste**" in c or "[ce lien](" in c for c in captions)
    assert any(r"\*\*juriste\*\*" in c for c in captions)
    table = at.dataframe[0].value
    assert {"defi", "level_label"} <= set(table.columns) and sorted(table["defi"]) == ["Alpha", "Beta"]


def test_a_line_opens_its_page_on_its_defi_even_another_than_the_sidebars(app_as, beta_asks, app_py_on_every_run):
    at = app_as("coach")
    assert at.selectbox(key="defi_pick").value.name == "Alpha"
    n = next(i for i, v in enumerate(lines(at)) if "**Beta**" in v)
    at.button(key=f"todo_coach_open_{n}").click().run()
    assert not at.exception
    assert at.selectbox(key="defi_pick").value.name == "Beta"
    assert [title.value for title in at.title] == ["Demandes d'aide"]


def test_eig_home_says_what_she_owes_and_her_defi_card_stays(app_as):
    at = app_as("eig")
    assert not at.exception
    page = texts(at)
    assert "**Alpha** · Bulletin de la semaine du 16 novembre à déposer · :orange[avant vendredi 15:00]" in page
    assert "**Alpha** · Carnet mensuel de novembre 2026 à écrire · :orange[d'ici le 07/12]" in page
    assert "Phase en cours" in page


def test_eig_of_an_ended_promotion_is_told_nothing_waits(app_as):
    at = app_as("gamma.eig")
    assert not at.exception
    assert "Rien ne vous attend cette semaine." in texts(at)


def test_admin_home_lists_the_platforms_loose_ends(app_as, app_py_on_every_run):
    at = app_as("admin")
    assert not at.exception
    page = texts(at)
    assert "**Beta** · Défi sans coach référent·e" in page and "Promo test" in [c.value for c in at.caption]
    assert "comptes actifs ne se sont jamais connectés" in page
    assert "Les défis de la promotion" in page  # the promotion table stays below
    n = next(i for i, v in enumerate(lines(at)) if "**Beta**" in v)
    at.button(key=f"todo_admin_open_{n}").click().run()
    assert [title.value for title in at.title] == ["Administration"]
    assert at.selectbox(key="defi_pick").value.name == "Beta"
