"""The login page's ProConnect path: a fresh provider sign-in opens the account's session; the
same sign-in, after the account's sessions were ended (a reload of that browser, Streamlit's
identity cookie still there), opens nothing and offers a new sign-in."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import auth
from lib.clock import now_utc
from lib.i18n import t
from tests.pages.conftest import GREETING, new_app, texts

PROCONNECT_SECRETS = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "un-secret-de-test",
                      "proconnect": {"client_id": "suivi-eig", "client_secret": "secret",
                                     "server_metadata_url": "https://fournisseur.invalid/.well-known/openid-configuration"}}


def browser_with(identity: dict):  # noqa: ANN201 - an AppTest
    """A new browser session (a reload) holding Streamlit's ProConnect identity cookie."""
    at = new_app(None)
    at.secrets["auth"] = PROCONNECT_SECRETS
    at.user = {"is_logged_in": True, **identity}
    return at.run()


@pytest.fixture
def signed_in() -> dict:
    return {"sub": "anne-sub", "email": "sponsor@example.org", "email_verified": True,
            "iat": int((now_utc() - dt.timedelta(minutes=1)).timestamp())}


def test_a_provider_sign_in_opens_the_accounts_session(world, signed_in):
    at = browser_with(signed_in)
    assert not at.exception
    assert GREETING in texts(at)


def test_a_provider_sign_in_from_before_log_out_everywhere_opens_nothing(world, signed_in):
    assert GREETING in texts(browser_with(signed_in))
    auth.end_sessions(world.sponsor)
    at = browser_with(signed_in)
    assert GREETING not in texts(at)
    assert t("login.proconnect.sessions_ended") in texts(at)
    assert at.button(key="proconnect_button").label == t("login.proconnect.button")
