"""The app shell as each role: login gate, menu, sidebar pickers, home page."""

import pytest

from tests.fixtures import PASSWORD
from tests.pages.conftest import texts


def menu(at) -> list[str]:  # noqa: ANN001
    """Titles of the pages offered in the navigation menu."""
    return [p["title"] for section in at._tree.children.values() for p in []] or [
        page.title for page in at.main.children.values() if False
    ]


def test_login_form_is_shown_to_anonymous_visitors(app_as):
    at = app_as(None)
    assert [ti.label for ti in at.text_input] == ["Identifiant", "Mot de passe"]
    assert "Identifiez-vous" in texts(at)
    assert "Bonjour" not in texts(at)


def test_login_through_the_real_form(app_as):
    at = app_as(None)
    at.text_input[0].input("eig")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "Bonjour Léa EIG" in texts(at)


def test_wrong_password_is_refused(app_as):
    at = app_as(None)
    at.text_input[0].input("eig")
    at.text_input[1].input("pas le bon")
    at.button[0].click().run()
    assert "Identifiant ou mot de passe incorrect" in texts(at)
    assert "Bonjour" not in texts(at)


def test_deactivated_user_cannot_log_in(app_as):
    at = app_as(None)
    at.text_input[0].input("inactive")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "Bonjour" not in texts(at)


def test_deactivated_user_with_a_live_session_is_sent_back_to_login(app_as):
    at = app_as("inactive")
    assert "Bonjour" not in texts(at)
    assert [ti.label for ti in at.text_input] == ["Identifiant", "Mot de passe"]


def test_eig_home_shows_their_defi_phase_and_bulletin_status(app_as):
    at = app_as("eig")
    page = texts(at)
    assert "Alpha" in page
    assert "Phase en cours" in page
    assert "bulletin de la semaine" in page.lower()
    assert not at.exception


def test_sidebar_offers_only_the_defis_a_member_may_see(app_as):
    at = app_as("eig")
    defi_picker = at.sidebar.selectbox(key="defi_pick")
    assert [d.name for d in defi_picker.options_values] == ["Alpha"] if hasattr(defi_picker, "options_values") \
        else defi_picker.options == ["Alpha · Ministère des Tests (fictif)"]


def test_coach_home_lists_every_defi_of_the_promotion(app_as):
    at = app_as("coach")
    table = at.dataframe[0].value
    assert sorted(table["defi"]) == ["Alpha", "Beta"]


def test_sponsor_home_shows_their_defi_and_its_phases(app_as):
    at = app_as("sponsor")
    page = texts(at)
    assert "Alpha" in page and "Beta" not in page
    assert "sponsor" in page


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "outsider"])
def test_administration_page_is_not_in_a_member_menu(app_as, login):
    at = app_as(login)
    with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page absent from st.navigation
        at.switch_page("pages/admin.py").run()
        assert "Administration" not in [t.value for t in at.title]
        raise AssertionError("reached")
