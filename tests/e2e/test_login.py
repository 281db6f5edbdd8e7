"""A person logs in through the real form in Chromium and lands on their home page."""

import pytest

from lib.auth import DEMO_PASSWORD
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import login, screenshot, settle

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


def test_wrong_password_keeps_the_visitor_out(live_app, new_page):
    page = new_page()
    page.goto(live_app.base_url)
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
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Se connecter").wait_for()
    page.get_by_text("Vous êtes déconnecté·e").wait_for()
    screenshot(page, "logged-out")
    # ...until she logs out: the cookie is gone, a reload does not log her back in.
    page.reload()
    page.get_by_role("button", name="Se connecter").wait_for()
    settle(page)
    assert page.get_by_text("Bonjour").count() == 0
