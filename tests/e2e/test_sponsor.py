"""In Chromium: a sponsor sees only the défis she follows, each on one screen, and
downloads the one-page export; an EIG records a measurement on the Indicateurs page."""

import re
from html import escape as html_escape

import pytest
from sqlalchemy import create_engine, text

from lib import portfolio, sponsor
from lib.auth import DEMO_PASSWORD
from lib.i18n import t
from tests.e2e.conftest import account, login, rerun, screenshot, services_on, settle

pytestmark = pytest.mark.browser


def followed_and_others(database_url: str, login_name: str) -> tuple[list[str], list[str]]:
    """Straight from the database: the défis of the newest promotion the user follows as
    porteur or sponsor, and the promotion's other défis."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.name, EXISTS (SELECT 1 FROM membership m JOIN \"user\" u ON u.id = m.user_id "
            "WHERE m.defi_id = d.id AND u.login = :login AND m.role IN ('porteur', 'sponsor')) "
            "FROM defi d WHERE d.promotion_id = (SELECT id FROM promotion ORDER BY start_date DESC LIMIT 1) "
            "ORDER BY d.name"), {"login": login_name}).all()
    engine.dispose()
    return [n for n, mine in rows if mine], [n for n, mine in rows if not mine]


def needs_of(database_url: str, login_name: str) -> list[str]:
    """What the sponsor service computes today that her teams need from her: the demo seed
    is dated from the real today, so which action is open changes from week to week."""
    with services_on(database_url):
        actor = account(login_name)
        promotion = portfolio.promotions_for(actor)[0]
        return [need.text for brief in sponsor.my_view(actor, promotion.id).briefs for need in brief.needs]


def whole_page(page) -> None:  # noqa: ANN001
    """Grow the window to the page's height: Streamlit scrolls inside its own container, so a
    full-page screenshot would otherwise stop at the first screen."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(height + 100, 8000)})
    settle(page)


def test_sponsor_sees_only_her_defis_and_downloads_the_one_page_export(module_app, new_page):
    mine, others = followed_and_others(module_app.database_url, "sponsor.anne")
    assert len(mine) >= 2 and others  # the seed gives her two défis among many
    page = new_page()
    login(page, module_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    page.get_by_text("Vos défis en un coup d'œil").wait_for()
    for name in mine:
        page.get_by_role("heading", name=name, exact=True).wait_for()
    headings = page.get_by_role("heading").all_inner_texts()
    assert not [name for name in others if name in headings]
    page.get_by_text("Ce dont l'équipe a besoin de vous").first.wait_for()
    # What her teams ask of her today, or the empty state when the seed's actions are all closed.
    needs = needs_of(module_app.database_url, "sponsor.anne") or [t("sponsor.empty.needs")]
    for need in needs:
        page.get_by_text(need, exact=True).first.wait_for()
    whole_page(page)
    screenshot(page, "home-sponsor")

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la page à transmettre (HTML)").click()
    assert download.value.suggested_filename.endswith(".html")
    html = download.value.path().read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script src" not in html
    sections = re.findall(r"<section class='defi'><h2>(.*?)</h2>", html)
    assert sections == [name.replace("'", "&#x27;") for name in mine]
    assert html.count("Plotly.newPlot") >= 2 * len(mine)  # at least the timeline and the mood of each
    for expected in ("Ce dont l&#x27;équipe a besoin de vous", "Dernier comité d&#x27;évaluation publié",
                     "Indicateurs au regard de leur cible", *(html_escape(need) for need in needs)):
        assert expected in html, expected
    assert "(à compléter)" not in html  # a draft report's text never leaves the coaches


def test_eig_records_a_measurement_on_the_indicators_page(module_app, new_page):
    page = new_page()
    login(page, module_app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Indicateurs", exact=True))
    page.get_by_role("heading", name="Où en sont les indicateurs").wait_for()
    settle(page)
    form = page.get_by_test_id("stForm").filter(has_text="Nouvelle mesure").first
    form.get_by_label(re.compile("^Valeur")).fill("4321")
    form.get_by_role("button", name="Enregistrer la mesure").click()
    page.get_by_text(re.compile("Mesure de « .* » enregistrée.")).wait_for()
    settle(page)
    assert page.get_by_text(re.compile("Dernière mesure : 4321 ")).count() == 1
    whole_page(page)
    screenshot(page, "indicators-eig")
