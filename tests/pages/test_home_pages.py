"""The home page's to-do per role under AppTest (lib/todo.py): the lines each role reads,
user text shown as typed, the empty state, and a line's button opening its page on its défi."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import bulletins, formats, privacy, users
from lib.clock import week_label
from lib.i18n import t
from lib.models import DefiRole
from lib.schemas import BulletinIn, MembershipIn, PromotionIn, UserIn
from lib.ui import md
from tests.conftest import set_clock
from tests.pages.conftest import texts

NOW = dt.datetime(2026, 11, 16, 8, 30, tzinfo=dt.UTC)  # a Monday morning, phase 3 of the test promotion
W47 = formats.iso_week(2026, 47)
BEFORE_FRIDAY = f":orange[{t('due.weekday_at', day='vendredi', at='15:00')}]"  # the bulletin's deadline
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
    assert t("home.todo.title") in page
    assert f"**Alpha** · {t('todo.risk.eleve')}" in page or f"**Alpha** · {t('todo.risk.a_surveiller')}" in page
    assert f"**Beta** · {t('todo.help.unassigned', week=week_label(2026, 47), waiting=t('waiting.today'))}" in page
    assert f"**Alpha** · {t('todo.bulletin_missing', week=W47)} · {BEFORE_FRIDAY}" in page
    # The help request is user text: shown as typed, never as bold or a link.
    captions = [c.value for c in at.caption]
    assert not any("**juriste**" in c or "[ce lien](" in c for c in captions)
    assert any(r"\*\*juriste\*\*" in c for c in captions)
    table = at.dataframe[0].value
    assert {"defi", "level_label"} <= set(table.columns) and sorted(table["defi"]) == ["Alpha", "Beta"]


def test_a_line_opens_its_page_on_its_defi_even_another_than_the_sidebars(app_as, beta_asks, frame_on_every_run):
    at = app_as("coach")
    assert at.selectbox(key="defi_pick").value.name == "Alpha"
    n = next(i for i, v in enumerate(lines(at)) if "**Beta**" in v)
    at.button(key=f"todo_coach_open_{n}").click().run()
    assert not at.exception
    assert at.selectbox(key="defi_pick").value.name == "Beta"
    assert [title.value for title in at.title] == [t("page.help_requests")]


def test_eig_home_says_what_she_owes_and_her_defi_card_stays(app_as):
    at = app_as("eig")
    assert not at.exception
    page = texts(at)
    assert f"**Alpha** · {t('todo.bulletin.due', week=W47)} · {BEFORE_FRIDAY}" in page
    november = formats.month(dt.date(2026, 11, 1))
    assert f"**Alpha** · {t('todo.carnet.due', month=november)} · :orange[{t('due.date', date='07/12')}]" in page
    assert t("home.current_phase") in page


def test_eig_of_an_ended_promotion_is_told_nothing_waits(app_as):
    at = app_as("gamma.eig")
    assert not at.exception
    assert t("home.todo.empty") in texts(at)


def test_admin_home_lists_the_platforms_loose_ends(app_as, frame_on_every_run):
    at = app_as("admin")
    assert not at.exception
    page = texts(at)
    assert f"**Beta** · {t('todo.admin.defi_without_coach')}" in page and "Promo test" in [c.value for c in at.caption]
    assert t("todo.admin.never_used", n=9) in page
    assert t("home.coach.defis") in page  # the promotion table stays below
    n = next(i for i, v in enumerate(lines(at)) if "**Beta**" in v)
    at.button(key=f"todo_admin_open_{n}").click().run()
    assert [title.value for title in at.title] == [t("page.admin")]
    assert at.selectbox(key="defi_pick").value.name == "Beta"


@pytest.fixture
def next_promotion(world):  # noqa: ANN001, ANN201
    """The admin has created the next promotion, starting in January: the picker lists it first."""
    users.create_promotion(world.admin, PromotionIn(name="Promo suivante", start_date=dt.date(2027, 1, 4)))
    return world


@pytest.mark.parametrize("login", ["coach", "admin"])
def test_everyone_opens_on_the_running_promotion_not_the_next_one(app_as, next_promotion, login):
    at = app_as(login)
    assert at.selectbox(key="promotion_pick").options[0] == "Promo suivante"
    assert at.selectbox(key="promotion_pick").value.name == "Promo test"


def test_a_coach_on_the_next_promotion_still_has_the_running_ones_week(app_as, next_promotion, frame_on_every_run):
    """Her to-do covers the running promotion she coaches in whatever she picked; its line opens
    its page in its own promotion, on its défi."""
    at = app_as("coach")
    at.selectbox(key="promotion_pick").select_index(0).run()
    assert at.selectbox(key="promotion_pick").value.name == "Promo suivante"
    n = next(i for i, v in enumerate(lines(at)) if v.endswith(f"**Alpha** · {t('todo.risk.eleve')}"))
    at.button(key=f"todo_coach_open_{n}").click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [t("page.portfolio")]
    assert at.selectbox(key="promotion_pick").value.name == "Promo test"
    assert at.selectbox(key="defi_pick").value.name == "Alpha"


def test_a_help_request_line_opens_the_board_on_its_ticket(app_as, beta_asks, frame_on_every_run):
    """Picked, its form open, even when the board was filtered to hide it."""
    at = app_as("coach", help_status="resolved")
    n = next(i for i, v in enumerate(lines(at)) if "**Beta**" in v)
    at.button(key=f"todo_coach_open_{n}").click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [t("page.help_requests")]
    assert at.selectbox(key="help_status").value is None
    assert t("help.manage", defi="Beta", week=week_label(2026, 47)) in texts(at)
    assert at.text_area[0].value == ""  # the answer to write


def test_a_coachs_sidebar_opens_on_a_defi_of_hers(app_as, world):
    """Not on the alphabetically first: Beta, whose référente she has become instead of Alpha's."""
    users.add_membership(world.admin, MembershipIn(user_id=world.coach.id, defi_id=world.beta_id,
                                                   role=DefiRole.COACH))
    alpha = users.list_memberships(world.admin, world.promotion_id)
    users.remove_membership(world.admin, int(alpha[(alpha["defi"] == "Alpha") & (alpha["login"] == "coach")]["id"]
                                             .iloc[0]))
    at = app_as("coach")
    assert at.selectbox(key="defi_pick").value.name == "Beta"
    assert app_as("admin").selectbox(key="defi_pick").value.name == "Alpha"  # she coaches none: the first


def test_admins_latest_actions_read_as_the_audit_page_says_them(app_as, world):
    """Who, what, about whom and when in Paris words, user text as typed (not « user #3 » in UTC)."""
    name = "**Léa** [EIG](http://x.fr)"
    users.update_user(world.admin, world.eig.id, UserIn(login="eig", display_name=name, email="eig@example.org"),
                      active=True, expected_version=1)
    privacy.export_person(world.admin, world.eig.id)
    at = app_as("admin")
    assert not at.exception
    captions = [c.value for c in at.expander[0].caption] if at.expander else []
    assert captions[:2] == [
        f"Alice Admin · {t('audit.kind.user.export_personal_data')} · {md(name)} · aujourd'hui à 09:30",
        f"Alice Admin · {t('audit.kind.user.update')} · {md(name)} · aujourd'hui à 09:30"]
    assert at.expander[0].label == t("home.todo.audit_title")
