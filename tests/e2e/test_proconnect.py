"""ProConnect sign-in in Chromium against a real OpenID Connect provider started here
(oidc-provider-mock): Streamlit's st.login, then the account with that verified email;
an unknown email is refused in French; the password form still works beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.auth import DEMO_PASSWORD
from tests.e2e.conftest import LiveApp, login, seeded_database, settle

pytestmark = pytest.mark.browser
KNOWN = "anne-sub"  # the provider's subject of sponsor.anne@example.org
UNKNOWN = "inconnu-sub"
UNVERIFIED = "non-verifie-sub"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's base URL, with three people: a known, an unknown and an unverified email."""
    from oidc_provider_mock import User, run_server_in_thread

    people = [User(sub=KNOWN, claims={"email": "Sponsor.Anne@example.org", "email_verified": True}),
              User(sub=UNKNOWN, claims={"email": "personne@example.org", "email_verified": True}),
              User(sub=UNVERIFIED, claims={"email": "sponsor.anne@example.org", "email_verified": False})]
    with run_server_in_thread(user_claims=people) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    folder = tmp_path_factory.mktemp("oidc")
    secrets = Path(folder / "secrets.toml")
    secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "un-secret-de-cookie-pour-les-tests-e2e"

[auth.proconnect]
client_id = "suivi-eig"
client_secret = "secret-du-client"
server_metadata_url = "{provider}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email profile", prompt = "login" }}
authorize_params = {{ acr_values = "eidas1" }}
""")
    # The provider dates its ID tokens by the real clock, which the app checks them against
    # (auth.fresh_sign_in): this app and its seed run on the real clock, not the suite's.
    app = LiveApp(seeded_database(folder / "e2e.db", real_clock=True), args=("--secrets.files", str(secrets)),
                  real_clock=True)
    app.start()
    yield app
    app.stop()


def sign_in(page, app: LiveApp, subject: str) -> list[str]:  # noqa: ANN001
    """Click ProConnect, pick `subject` at the provider; the authorization requests seen."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/oauth2/authorize" in r.url else None)
    page.goto(app.base_url)
    settle(page)
    page.get_by_role("button", name="S'identifier avec ProConnect").click()
    page.wait_for_url(lambda url: not url.startswith(app.base_url))
    page.get_by_role("button", name=subject).click()
    page.wait_for_url(f"{app.base_url}/**")
    return requests


def test_a_known_verified_email_opens_that_accounts_session(oidc_app, new_page):
    page = new_page()
    requests = sign_in(page, oidc_app, KNOWN)
    page.get_by_text("Bonjour Anne").first.wait_for()
    settle(page)
    assert "Votre rôle : sponsor" in page.inner_text("body")
    assert requests and all("acr_values=eidas1" in url and "prompt=login" in url for url in requests)
    # The app's own login cookie carries the session over a reload, as after the password form.
    page.reload()
    page.get_by_text("Bonjour Anne").first.wait_for()
    settle(page)
    # Logging out ends the provider's sign-in too (its logout page, with the ID token as
    # hint), and the home page does not open the session again.
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    page.wait_for_url("**/oauth2/end_session**")
    assert "id_token_hint=" in page.url
    page.goto(oidc_app.base_url)
    page.get_by_role("button", name="S'identifier avec ProConnect").wait_for()
    settle(page)
    assert "Bonjour" not in page.inner_text("body")


@pytest.mark.parametrize(("subject", "message"), [
    (UNKNOWN, "aucun compte actif du Suivi des défis EIG ne porte cette adresse"),
    (UNVERIFIED, "ProConnect n'a pas confirmé que l'adresse sponsor.anne@example.org vous appartient"),
])
def test_an_unknown_or_unverified_email_is_refused_in_french(oidc_app, new_page, subject, message):
    page = new_page()
    sign_in(page, oidc_app, subject)
    page.get_by_text(message).wait_for()
    settle(page)
    body = page.inner_text("body")
    assert "Bonjour" not in body
    assert "demandez à votre coach" in body or "demandez de l'aide à votre coach" in body
    # The password form is still there, and works.
    login(page, oidc_app.base_url, "eig.lea", DEMO_PASSWORD)
