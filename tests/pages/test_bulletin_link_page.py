"""The page behind a reminder's personal link (`/?bulletin=`): it signs its EIG in, as the login
form does, on this week's bulletin of their défi; a reused link, or one opened in a browser
signed in to another account, is refused in French, without a form, and signs nobody in."""

from __future__ import annotations

import pytest

from lib import invitations
from lib.i18n import t
from lib.ui import SESSION_EPOCH
from tests.conftest import set_clock
from tests.mail import reminder_tokens
from tests.moments import WEDNESDAY
from tests.pages.conftest import GREETING, new_app, open_tab, texts

pytestmark = pytest.mark.usefixtures("frame_on_every_run")


@pytest.fixture
def tokens(world, monkeypatch) -> dict[str, str]:  # noqa: ANN001
    """The personal links of the reminders of a Wednesday morning, the app's clock set there
    (the sweep runs page tests at moments when no week is open), by recipient."""
    set_clock(monkeypatch, WEDNESDAY)
    return reminder_tokens()


def opened(token: str, login: str | None = None):  # noqa: ANN201 - AppTest
    at = new_app(login)
    at.query_params[invitations.BULLETIN_PARAM] = token
    return at.run()


def test_the_link_signs_its_eig_in_on_the_weeks_bulletin_of_her_defi(tokens):
    at = opened(tokens["eig@example.org"])
    assert not at.exception
    assert [title.value for title in at.title] == [f"{t('page.bulletin')} · Alpha"]
    assert at.session_state["username"] == "eig" and at.session_state[SESSION_EPOCH] == 0
    assert at.selectbox(key="defi_pick").value.name == "Alpha"
    assert not at.warning, [w.value for w in at.warning]


def test_a_used_link_is_refused_without_a_form_and_signs_nobody_in(tokens):
    opened(tokens["eig@example.org"])
    at = opened(tokens["eig@example.org"])
    assert t("bulletin_link.refused.used") in texts(at)
    assert not at.text_input and GREETING not in texts(at)
    assert not at.session_state["authentication_status"]


def test_a_browser_signed_in_to_another_account_refuses_the_link_and_leaves_it_unspent(tokens):
    at = opened(tokens["eig@example.org"], login="eig2")
    assert t("bulletin_link.refused.other_account") in texts(at)
    assert at.session_state["username"] == "eig2"
    at = opened(tokens["eig@example.org"])
    assert at.session_state["username"] == "eig"


def test_an_admin_turns_the_links_off_for_the_promotion_picked(app_as, world):
    at = open_tab(app_as("admin", page="pages/admin.py"), "admin_tabs", t("admin.tab.promotions"))
    picker = at.selectbox(key="promotion_pick")  # the sidebar opens on the running one, if any
    at = picker.select_index(picker.options.index("Promo test")).run()
    [switch] = [w for w in at.toggle if w.key.startswith("bulletin_links_")]
    assert switch.value and "Promo test" in switch.label
    switch.set_value(False).run()
    assert t("admin.bulletin_links.turned_off", promotion="Promo test") in texts(at)
    assert not invitations.bulletin_links_on(world.admin, world.promotion_id)
    [switch] = [w for w in at.toggle if w.key.startswith("bulletin_links_")]
    assert not switch.value


def test_a_coach_has_no_such_switch(app_as):
    at = open_tab(app_as("coach", page="pages/admin.py"), "admin_tabs", t("admin.tab.promotions"))
    assert not [w for w in at.toggle if w.key.startswith("bulletin_links_")]
