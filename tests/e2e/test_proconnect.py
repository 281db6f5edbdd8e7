"""ProConnect sign-in in Chromium, against a provider that behaves like ProConnect, started here
(tests/oidc_provider.py): the official button, the provider, the callback, the home page; the
login cookie the callback set (HttpOnly) keeps the session over a reload; logging out passes
through the provider's end_session and lands on the login page; a refusal is said in French on
the login page, whose password form still works. (Each refusal: tests/unit/test_proconnect_flow.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib import auth
from lib.auth import DEMO_PASSWORD
from tests.e2e.conftest import LiveApp, login, seeded_database, settle, wait_until
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider, discovery_url, running

pytestmark = pytest.mark.browser
ANNE = "sponsor.anne@example.org"
STRANGER = "personne@example.org"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running([Person("anne-sub", "Sponsor.Anne@example.org"), Person("inconnu-sub", STRANGER)]) as served:
        yield served


@pytest.fixture(scope="module")
def oidc_app(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    app = LiveApp(seeded_database(tmp_path_factory.mktemp("oidc") / "e2e.db"), env={
        "PROCONNECT_CLIENT_ID": CLIENT_ID, "PROCONNECT_CLIENT_SECRET": CLIENT_SECRET,
        "PROCONNECT_DISCOVERY_URL": discovery_url(provider)})
    app.start()
    provider.register(app.base_url)
    yield app
    app.stop()


def sign_in(page, app: LiveApp, provider: Provider, email: str) -> None:  # noqa: ANN001
    """Click ProConnect's button, then pick `email` at the provider."""
    page.goto(app.base_url)
    settle(page)
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_url(f"{provider.base_url}/**")
    page.get_by_role("button", name=email).click()
    page.wait_for_url(f"{app.base_url}/**")


def login_cookie(page) -> dict | None:  # noqa: ANN001
    return next((c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME), None)


def test_the_button_leads_through_the_provider_to_the_home_page(oidc_app, provider, new_page):
    page = new_page()
    sign_in(page, oidc_app, provider, ANNE)
    page.get_by_text("Bonjour Anne").first.wait_for()
    settle(page)
    assert "Votre rôle : sponsor" in page.inner_text("body")
    assert provider.authorizations[-1]["acr_values"] == "eidas1"
    assert login_cookie(page)["httpOnly"]
    page.reload()  # the cookie the callback set keeps the session, as after the password form
    page.get_by_text("Bonjour Anne").first.wait_for()
    settle(page)
    # Logging out ends the provider's session too (end_session, with its three parameters), and
    # comes back to the login page.
    logouts = len(provider.logouts)
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    wait_until(page, lambda: len(provider.logouts) > logouts)
    assert {"id_token_hint", "state", "post_logout_redirect_uri"} <= set(provider.logouts[-1])
    page.get_by_role("link", name="S'identifier avec ProConnect").wait_for()
    settle(page)
    assert login_cookie(page) is None
    page.reload()
    page.get_by_role("link", name="S'identifier avec ProConnect").wait_for()
    settle(page)
    assert "Bonjour" not in page.inner_text("body")


def test_an_unknown_address_is_refused_in_french_and_the_password_form_still_works(oidc_app, provider, new_page):
    page = new_page()
    sign_in(page, oidc_app, provider, STRANGER)
    page.get_by_text("aucun compte actif du Suivi des défis EIG ne porte cette adresse").wait_for()
    settle(page)
    body = page.inner_text("body").replace("\u2060", "")  # the joiners that keep the address from being a link
    assert STRANGER in body and "Bonjour" not in body
    assert "proconnect=" not in page.url  # the refusal was handed once, and the address cleaned
    login(page, oidc_app.base_url, "eig.lea", DEMO_PASSWORD)
