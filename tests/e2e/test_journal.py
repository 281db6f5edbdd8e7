"""Through the real browser: an EIG adds, edits, finds and deletes a journal entry
and writes their monthly carnet; a sponsor reads the journal and its charts, never the
carnets."""

import re

import pytest
from playwright.sync_api import expect

from lib.auth import DEMO_PASSWORD
from tests.e2e.conftest import choose, click_row, login, rerun, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]
SECRET = "Objectif e2e très personnel"


def visible_form(page):  # noqa: ANN001, ANN201
    return page.locator('[data-testid="stForm"]:visible')


def test_eig_keeps_the_journal_and_writes_the_monthly_carnet(live_app, new_page):
    page = new_page()
    login(page, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Carnet de bord"))

    # Add.
    rerun(page, page.get_by_role("tab", name="Écrire"))
    form = visible_form(page)
    form.get_by_label("Tâche").fill("Atelier e2e avec l'équipe métier")
    choose(form, "Catégories", "U · Utilisateurs")
    form.get_by_role("button", name="Ajouter l'entrée").click()
    page.get_by_text("Entrée ajoutée.").wait_for()
    settle(page)

    # Edit: the newest entry (just written) opens in the edit form of the entries tab.
    rerun(page, page.get_by_role("tab", name="Entrées"))
    edit = visible_form(page)
    expect(edit.get_by_label("Tâche")).to_have_value("Atelier e2e avec l'équipe métier")
    # Another row clicked opens another entry (or says it is a teammate's); the new one's row brings it back.
    table = page.locator('[data-testid="stDataFrame"]').first
    click_row(page, table, 1)
    assert page.get_by_text("Vous ne pouvez pas modifier").count() or (
        edit.get_by_label("Tâche").input_value() not in ("", "Atelier e2e avec l'équipe métier"))
    screenshot(page, "journal-row-clicked")
    click_row(page, table, 0)
    expect(edit.get_by_label("Tâche")).to_have_value("Atelier e2e avec l'équipe métier")
    edit.get_by_label("Tâche").fill("Atelier e2e corrigé avec l'équipe métier")
    edit.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Entrée modifiée.").wait_for()

    # Find it again with an accent-free search.
    search = page.get_by_label("Rechercher dans les livrables et les tâches")
    search.fill("equipe metier corrige")
    search.press("Enter")
    page.get_by_text(re.compile(r"^1 entrée · ")).wait_for()
    screenshot(page, "journal-eig")

    # Delete, with the confirmation.
    page.get_by_text("Je confirme la suppression").click()
    visible_form(page).get_by_role("button", name="Supprimer cette entrée").click()
    page.get_by_text("Entrée supprimée.").wait_for()
    page.get_by_text("Aucune entrée ne correspond").wait_for()

    # The monthly carnet.
    rerun(page, page.get_by_role("link", name="Mon carnet"))
    page.get_by_text("seuls vous et les coachs le lisent").wait_for()
    settle(page)
    form = visible_form(page)
    form.get_by_label("Objectifs").fill(SECRET)
    groups = form.get_by_role("radiogroup")
    for i in range(groups.count()):
        groups.nth(i).get_by_text("3", exact=True).click()
        expect(groups.nth(i).get_by_role("radio", name="3")).to_be_checked()
    form.get_by_role("button", name="Enregistrer mon carnet").click()
    page.get_by_text(re.compile(r"Carnet de \S+ \d{4} enregistré")).wait_for()
    rerun(page, page.get_by_role("tab", name="Historique"))
    page.get_by_text("Auto-évaluation au fil des mois").wait_for()
    screenshot(page, "carnet-eig")

    # A sponsor of the same défi reads the journal and its charts, not the carnets.
    sponsor = new_page()
    login(sponsor, live_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    expect(sponsor.get_by_role("link", name="Carnet de bord")).to_be_visible()
    expect(sponsor.get_by_role("link", name="Mon carnet")).to_have_count(0)
    rerun(sponsor, sponsor.get_by_role("link", name="Carnet de bord"))
    sponsor.get_by_text(re.compile(r"entrées? · page 1")).wait_for()
    expect(sponsor.get_by_role("tab", name="Écrire")).to_have_count(0)
    rerun(sponsor, sponsor.get_by_role("tab", name="Graphiques"))
    sponsor.get_by_text("Entrées par semaine et par catégorie").wait_for()
    expect(sponsor.locator(".js-plotly-plot:visible")).to_have_count(3)
    expect(sponsor.get_by_text("Voir les données").first).to_be_visible()
    screenshot(sponsor, "journal-sponsor-charts")
    # Typing the carnet page's address does not open it either.
    sponsor.goto(f"{live_app.base_url}/carnet")
    sponsor.get_by_text("Bonjour").first.wait_for()
    settle(sponsor)
    body = sponsor.inner_text("body")
    assert SECRET not in body and "Carnet mensuel" not in body
