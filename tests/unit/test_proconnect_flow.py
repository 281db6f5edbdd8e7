"""ProConnect sign-in on the app's routes, against a provider that behaves like ProConnect
(tests/oidc_provider.py, on 127.0.0.1), with a real HTTP client as the browser: a known address
gets the same login cookie as the password form, HttpOnly; logging out goes through the
provider's end_session with its three parameters; every refusal hands the login page a French
message and leaves an audit event. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from lib import auth, db, handoff, proconnect, users
from lib.config import get_settings
from lib.i18n import t
from lib.models import AuditEvent, GlobalRole
from lib.schemas import UserIn
from routes import MIDDLEWARE, ROUTES
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider, discovery_url, running

APP_URL = "https://suivi.example.org"
PEOPLE = [Person("anne-sub", "Sponsor@Example.org"), Person("personne-sub", "personne@example.org"),
          Person("faible-sub", "sponsor@example.org", acr="eidas1"),
          Person("usurpe-sub", "sponsor@example.org", foreign_userinfo=True),
          Person("perime-sub", "sponsor@example.org", expired=True)]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running(PEOPLE) as served:
        served.register(APP_URL)
        yield served


@pytest.fixture
def configured(provider: Provider, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"PROCONNECT_CLIENT_ID": CLIENT_ID, "PROCONNECT_CLIENT_SECRET": CLIENT_SECRET,
                        "PROCONNECT_DISCOVERY_URL": discovery_url(provider), "SUIVI_APP_URL": APP_URL}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def browser() -> TestClient:
    """A browser of the app: its own cookies, redirects shown rather than followed."""
    return TestClient(Starlette(routes=ROUTES, middleware=MIDDLEWARE), base_url=APP_URL, follow_redirects=False)


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def click_the_button(app: TestClient) -> dict[str, str]:
    """The authorization request the app sends the browser to."""
    answer = app.get("/auth/proconnect/login")
    assert answer.status_code == 302
    return query(answer.headers["location"])


def pick(provider: Provider, request: dict[str, str], sub: str) -> str:
    """The person `sub` signs in at the provider: the callback address the browser is sent to."""
    answer = httpx.post(f"{provider.issuer}/authorize", data={**request, "person": sub})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(app: TestClient, provider: Provider, sub: str) -> httpx.Response:
    return app.get(pick(provider, click_the_button(app), sub))


def refusal(answer: httpx.Response) -> str:
    """The message the callback handed the login page (once)."""
    assert answer.status_code == 303 and auth.COOKIE_NAME not in answer.cookies
    return handoff.take(proconnect.REFUSAL, query(answer.headers["location"])[proconnect.REFUSAL])


def last_refusal() -> tuple[int | None, str]:
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "login_proconnect_refused")
                          .order_by(AuditEvent.id.desc())).first()
    return event.entity_id, event.after["reason"]


def test_a_known_address_gets_the_password_forms_login_cookie_httponly(world, configured, provider):
    app = browser()
    request = click_the_button(app)
    assert request["scope"] == "openid email given_name usual_name uid siret"
    assert (request["acr_values"], request["prompt"], request["code_challenge_method"]) == ("eidas1", "login", "S256")
    answer = app.get(pick(provider, request, "anne-sub"))
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{auth.COOKIE_NAME}="))
    assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"))
    token = jwt.decode(answer.cookies[auth.COOKIE_NAME], get_settings().cookie_key, algorithms=["HS256"])
    assert (token["username"], token["epoch"], token["via"]) == ("sponsor", 0, auth.PROCONNECT)
    with db.reading() as s:
        signed_in = s.scalars(select(AuditEvent).where(AuditEvent.action == "login_proconnect")).one()
    assert signed_in.entity_id == world.sponsor.id and signed_in.after["bound"]


def test_logging_out_ends_the_cookie_then_the_providers_session(world, configured, provider):
    app = browser()
    sign_in(app, provider, "anne-sub")
    answer = app.get("/auth/proconnect/logout")
    assert answer.status_code == 302 and answer.cookies.get(auth.COOKIE_NAME) is None
    assert f'{auth.COOKIE_NAME}=""' in answer.headers["set-cookie"]
    asked = query(answer.headers["location"])
    assert asked["post_logout_redirect_uri"] == f"{APP_URL}/auth/proconnect/logged-out"
    assert len(asked["state"]) >= 32 and asked["id_token_hint"].count(".") == 2
    back = httpx.get(answer.headers["location"])  # the provider requires all three
    assert back.status_code == 303
    home = app.get(back.headers["location"])
    assert (home.status_code, home.headers["location"]) == (303, "/")


@pytest.mark.parametrize(("sub", "reason", "message"), [
    ("personne-sub", "unknown", t("login.proconnect.unknown", email="personne@example.org")),
    ("usurpe-sub", "userinfo", t("login.proconnect.refused.userinfo")),
    ("perime-sub", "id_token", t("login.proconnect.refused.id_token")),
], ids=["unknown-address", "userinfo-signed-by-another-key", "expired-id-token"])
def test_a_refused_identity_is_said_in_french_and_audited(world, configured, provider, sub, reason, message):
    assert refusal(sign_in(browser(), provider, sub)) == message
    assert last_refusal() == (None, reason)


def test_a_weaker_level_than_the_one_asked_is_refused(world, configured, provider, monkeypatch):
    monkeypatch.setenv("PROCONNECT_ACR", "eidas2")
    get_settings.cache_clear()
    app = browser()
    request = click_the_button(app)
    assert request["acr_values"] == "eidas2"
    assert refusal(app.get(pick(provider, request, "faible-sub"))) == t("login.proconnect.refused.acr",
                                                                        level="eidas1", asked="eidas2")
    assert last_refusal() == (None, "acr")
    assert sign_in(browser(), provider, "anne-sub").headers["location"] == "/"  # answered at the level asked


def test_a_replayed_state_or_code_is_refused(world, configured, provider):
    app = browser()
    callback = pick(provider, click_the_button(app), "anne-sub")
    assert app.get(callback).headers["location"] == "/"
    # The same callback again (the browser's history): its state was spent.
    assert refusal(app.get(callback)) == t("login.proconnect.refused.state")
    assert last_refusal() == (None, "state")
    # The spent code with a fresh state: the provider refuses it.
    state = click_the_button(app)["state"]
    replayed = app.get("/auth/proconnect/callback", params={"code": query(callback)["code"], "state": state})
    assert refusal(replayed) == t("login.proconnect.refused.code")
    assert last_refusal() == (None, "code")


def test_a_callback_in_another_browser_than_the_sign_in_is_refused(world, configured, provider):
    callback = pick(provider, click_the_button(browser()), "anne-sub")
    assert refusal(browser().get(callback)) == t("login.proconnect.refused.state")


def test_a_deactivated_account_is_refused(world, configured, provider):
    assert sign_in(browser(), provider, "anne-sub").headers["location"] == "/"
    users.update_user(world.admin, world.sponsor.id, UserIn(login="sponsor", display_name="Anne Sponsor",
                                                            email="sponsor@example.org", role=GlobalRole.MEMBER),
                      active=False, expected_version=users_version(world))
    assert refusal(sign_in(browser(), provider, "anne-sub")) == t("login.proconnect.unknown",
                                                                  email="sponsor@example.org")
    assert last_refusal() == (world.sponsor.id, "bound_inactive")


def users_version(world) -> int:  # noqa: ANN001
    row = users.list_users(world.admin, "sponsor").set_index("login").loc["sponsor"]
    return int(row["version"])


def test_without_settings_the_routes_are_not_there(world):
    assert browser().get("/auth/proconnect/login").status_code == 404


def test_the_session_route_sets_the_cookie_once_for_a_code_the_page_handed(world):
    app = browser()
    code = handoff.leave(auth.COOKIE_NAME, "jeton.de.test")
    assert app.post(auth.SESSION_ROUTE, content=code).status_code == 403  # no header: maybe another site
    answer = app.post(auth.SESSION_ROUTE, content=code, headers={auth.SESSION_HEADER: "1"})
    assert answer.status_code == 204 and "HttpOnly" in answer.headers["set-cookie"]
    assert answer.cookies[auth.COOKIE_NAME] == "jeton.de.test"
    assert app.post(auth.SESSION_ROUTE, content=code, headers={auth.SESSION_HEADER: "1"}).status_code == 404
    gone = app.delete(auth.SESSION_ROUTE, headers={auth.SESSION_HEADER: "1"})
    assert gone.status_code == 204 and "Max-Age=0" in gone.headers["set-cookie"]


@pytest.mark.parametrize(("level", "asked", "opens"), [
    ("eidas1", "eidas1", True), ("eidas2", "eidas1", True), ("eidas1", "eidas2", False), (None, "eidas1", False),
    ("https://proconnect.gouv.fr/assurance/self-asserted", "eidas1", False),
    ("https://proconnect.gouv.fr/assurance/self-asserted", "https://proconnect.gouv.fr/assurance/self-asserted", True),
])
def test_a_level_opens_when_at_least_the_one_asked(level, asked, opens):
    assert proconnect._strong_enough(level, asked) is opens
