"""One gate for every page (ui.page) and the menu read one declaration (ui.PAGES): a page the
menu offers opens past its gate, a missing pick is said in French, and rights are the matrix's
for the picked défi, whatever the person's role on another."""

import datetime as dt

import pytest

from lib import ui, users
from lib.i18n import t
from lib.models import DefiRole, GlobalRole
from lib.schemas import MembershipIn, PromotionIn, UserIn
from tests.pages.conftest import texts

GATE_MESSAGES = {t(need.missing) for page in ui.PAGES for need in page.needs}
EVERY_PAGE = [page.script for page in ui.PAGES]
TEAM_PAGES = ["pages/home.py", "pages/journal.py", "pages/retrospectives.py", "pages/key_dates.py",
              "pages/phases.py", "pages/committees.py", "pages/indicators.py", "pages/programme.py"]
EIG_PAGES = [*TEAM_PAGES[:2], "pages/carnet.py", "pages/bulletin.py", *TEAM_PAGES[2:]]


@pytest.mark.parametrize(("login", "menu"), [
    ("admin", [p for p in EVERY_PAGE if p != "pages/bulletin.py"]),
    ("coach", [p for p in EVERY_PAGE if p not in ("pages/bulletin.py", "pages/audit.py")]),
    ("eig", EIG_PAGES),
    ("sponsor", TEAM_PAGES),
])
def test_every_page_the_menu_offers_opens_past_its_gate(app_as, login, menu):
    at = app_as(login)
    opened = []
    for script in EVERY_PAGE:
        try:
            at.switch_page(script)
        except ValueError:  # not in this person's menu
            continue
        at.run()
        assert not at.exception, script
        assert not {m.value for m in at.main.info} & GATE_MESSAGES, script
        opened.append(script)
    assert sorted(opened) == sorted(menu)


def test_a_defi_page_without_a_defi_says_to_pick_one(app_as, world):
    users.create_promotion(world.admin, PromotionIn(name="Promo vide", start_date=dt.date(2027, 1, 4)))
    at = app_as("coach", page="pages/journal.py")
    at.selectbox(key="promotion_pick").select_index(0).run()  # the newest promotion comes first: no défi yet
    assert at.selectbox(key="promotion_pick").value.name == "Promo vide"
    assert at.title[0].value == t("page.journal")
    assert [m.value for m in at.main.info] == [t("journal.no_defi")]
    with pytest.raises(ValueError):
        at.switch_page("pages/bulletin.py")  # no défi where a coach would file one


def test_rights_follow_the_picked_defi_not_the_persons_role_elsewhere(app_as, world):
    users.add_membership(world.admin, MembershipIn(user_id=world.eig.id, defi_id=world.beta_id,
                                                   role=DefiRole.SPONSOR))
    at = app_as("eig", page="pages/journal.py")
    assert t("journal.tab.write") in [tab.label for tab in at.tabs]
    at.selectbox(key="defi_pick").select_index(1).run()  # Beta, where she is a sponsor
    assert at.title[0].value.endswith("Beta")
    assert t("journal.tab.write") not in [tab.label for tab in at.tabs]
    assert t("journal.read_only") in texts(at)
    with pytest.raises(ValueError):
        at.switch_page("pages/bulletin.py")


def test_a_member_who_coaches_a_defi_gets_the_coaches_forms_on_it(app_as, world):
    """A `coach` membership makes a member *coach / admin* of that défi: the services let her
    add objectives, so the page offers her the form (it tested the global role before)."""
    coach_id = users.create_user(world.admin, UserIn(login="coach.referente", display_name="Paule Référente",
                                                     email="paule@example.org", role=GlobalRole.MEMBER,
                                                     password="un-mot-de-passe"))
    users.add_membership(world.admin, MembershipIn(user_id=coach_id, defi_id=world.alpha_id, role=DefiRole.COACH))
    at = app_as("coach.referente", page="pages/phases.py")
    assert not at.exception
    assert t("phases.objectives.new") in [field.label for field in at.text_input]
    assert t("phases.tab.templates") not in [tab.label for tab in at.tabs]  # the framework is the programme's
