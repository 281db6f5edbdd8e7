"""A person logs in through the real form in Chromium and lands on their home page; before
login nothing but the form shows, on any address; an admin's reset ends a session."""

import time

import pytest

from lib import auth, users
from lib.auth import DEMO_PASSWORD
from lib.schemas import PasswordIn
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import account, login, screenshot, services_on, settle, wait_until

pytestmark = pytest.mark.browser


def test_eig_logs_in_and_sees_their_defi(live_app, new_page):
    page = new_page()
    login(page, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    page.get_by_text("Phase en cours").first.wait_for()
    body = page.inner_text("body")
    assert "Bonjour Léa Moreau" in body
    assert CURRENT_DEFIS[0].name in body  # Léa's défi in the demo data
    assert "Votre rôle : EIG" in body
    assert screenshot(page, "home-eig").stat().st_size > 10_000


def test_logging_in_asks_for_one_run_and_writing_the_cookie_for_none(live_app, new_page):
    """The form's click is the only run a login asks for: the cookie is set by a route that a
    script in the page calls (a cookie component answered with runs of its own, and a click
    landing during one was lost), HttpOnly: no script of the page can read it."""
    page = new_page()
    page.goto(live_app.base_url)
    settle(page)
    page.get_by_label("Identifiant").fill("coach.claire")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    asked = page.script_runs.requested
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bonjour").first.wait_for()
    wait_until(page, lambda: any(c["name"] == auth.COOKIE_NAME for c in page.context.cookies()), 20)
    settle(page)
    assert page.script_runs.requested == asked + 1
    cookie = next(c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and cookie["httpOnly"]
    assert auth.COOKIE_NAME not in page.evaluate("document.cookie")
    days_left = (cookie["expires"] - time.time()) / 86_400
    assert auth.COOKIE_EXPIRY_DAYS - 1 < days_left <= auth.COOKIE_EXPIRY_DAYS


def test_wrong_password_keeps_the_visitor_out(live_app, new_page):
    page = new_page()
    page.goto(live_app.base_url)
    settle(page)
    page.get_by_label("Identifiant").fill("eig.lea")
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Identifiant ou mot de passe incorrect").wait_for()
    assert "Bonjour" not in page.inner_text("body")


def test_coach_logs_out(live_app, new_page):
    page = new_page()
    login(page, live_app.base_url, "coach.claire", DEMO_PASSWORD)
    # The login cookie keeps her logged in across a reload...
    page.reload()
    page.get_by_text("Bonjour").first.wait_for()
    settle(page)
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    page.get_by_role("button", name="Se connecter").wait_for()
    page.get_by_text("Vous êtes déconnecté·e").first.wait_for()  # the last run's copy may still be fading
    screenshot(page, "logged-out")
    # ...until she logs out: the cookie is gone (the next run's script has its route delete it),
    # and a reload does not log her back in.
    wait_until(page, lambda: not any(c["name"] == auth.COOKIE_NAME for c in page.context.cookies()))
    page.reload()
    page.get_by_role("button", name="Se connecter").wait_for()
    settle(page)
    assert page.get_by_text("Bonjour").count() == 0


def only_the_login_form(page) -> None:  # noqa: ANN001
    """The page settled on the login form, with no menu and no error or traceback."""
    page.get_by_role("button", name="Se connecter").wait_for()
    settle(page)
    assert page.locator('[data-testid="stSidebarNav"], [data-testid="stSidebarNavLink"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.inner_text("body")
    assert "Traceback" not in body and ".py" not in body
    assert "Bonjour" not in body


def test_before_login_every_address_shows_only_the_login_form_then_the_page(live_app, new_page):
    page = new_page()
    # The server's very first run is an inner address: Streamlit would run pages/ on its own.
    for path in ["committees", "admin", "nonexistent", ""]:
        page.goto(f"{live_app.base_url}/{path}")
        only_the_login_form(page)
    page.goto(f"{live_app.base_url}/committees")
    only_the_login_form(page)
    page.get_by_label("Identifiant").fill("coach.claire")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Comités d'évaluation").first.wait_for()
    settle(page)
    assert page.url.endswith("/committees")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stSidebarNav"] a').count() > 5  # the menu, once logged in


def test_a_reload_after_an_admin_resets_the_password_shows_the_login_form(live_app, new_page):
    page = new_page()
    login(page, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    page.reload()  # the login cookie keeps her logged in...
    page.get_by_text("Bonjour").first.wait_for()
    settle(page)
    with services_on(live_app.database_url):
        users.reset_password(account("admin"), account("eig.lea").id, PasswordIn(password="un-tout-nouveau"))
    page.reload()  # ...until the reset: the cookie issued before it is refused
    only_the_login_form(page)
