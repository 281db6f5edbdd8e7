"""The login page's ProConnect part: the official button (a link to the sign-in route, drawn from
files of ours) and « Qu'est-ce que ProConnect ? » when ProConnect is configured, nothing when it
is not; the refusal the callback route hands the page is shown in French, and stays while the
person is on the login page."""

from __future__ import annotations

import pytest
from markupsafe import escape

from lib import handoff, proconnect
from lib.config import get_settings
from lib.i18n import t
from tests.pages.conftest import new_app, texts


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"PROCONNECT_CLIENT_ID": "suivi-eig", "PROCONNECT_CLIENT_SECRET": "secret",
                        "PROCONNECT_DISCOVERY_URL": "https://fournisseur.invalid/.well-known/openid-configuration"
                        }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def drawn(at) -> str:  # noqa: ANN001 - an AppTest
    """The HTML blocks of the page (st.html), joined."""
    return "".join(element.proto.body for element in at.get("html"))


def test_the_button_leads_to_the_sign_in_route(world, configured):
    at = new_app(None).run()
    html = drawn(at)
    assert f'href="{proconnect.PREFIX}/login"' in html
    assert escape(t("login.proconnect.sign_in_with")) in html and ">ProConnect<" in html
    assert escape(t("login.proconnect.what")) in html and 'href="https://proconnect.gouv.fr/"' in html
    assert "data:image/svg+xml;base64," in html and "src=" not in html  # the mark comes with the page


def test_without_settings_there_is_no_button(world):
    assert proconnect.PREFIX not in drawn(new_app(None).run())


def test_a_refusal_handed_by_the_callback_is_shown_and_stays(world, configured):
    at = new_app(None)
    at.query_params[proconnect.REFUSAL] = handoff.leave(proconnect.REFUSAL, t("login.proconnect.refused.state"))
    at.run()
    assert t("login.proconnect.refused.state") in texts(at)
    at.run()  # a later run of the login page (the code was spent, the parameter is gone)
    assert t("login.proconnect.refused.state") in texts(at)
    assert proconnect.REFUSAL not in at.query_params


def test_a_made_up_or_spent_refusal_code_says_the_sign_in_failed(world, configured):
    at = new_app(None)
    at.query_params[proconnect.REFUSAL] = "invente"
    assert t("login.proconnect.refused.provider") in texts(at.run())
