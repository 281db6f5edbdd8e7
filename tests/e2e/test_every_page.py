"""Every page of the menu, for each role, in Chromium set to American English (the worst case
for lib/ui/chrome.py): it renders without an error, says it is French, shows no ISO week code
and none of Streamlit's English (words.py, read from its bundle), its headings never skip
a level (a11y.heading_jumps), its screenshot goes to
tests/artifacts/tour-<role>-<page>.png, and axe-core finds nothing serious or critical."""

from __future__ import annotations

import json

import pytest

from lib.auth import DEMO_PASSWORD
from tests.e2e.a11y import audit, blocking, heading_jumps
from tests.e2e.conftest import ARTIFACTS, login, screenshot, settle
from tests.e2e.words import foreign_words, page_words

pytestmark = pytest.mark.browser

# What each role finds in the menu (hiding only: the services enforce the matrix, see
# test_sponsor_boundaries.py); a page that appears or vanishes for a role must be a decision.
MENUS = {
    "coach.claire": ["Accueil", "Carnet de bord", "Carnets mensuels", "Rétrospectives", "Demandes d'aide", "Dates clés",
                     "Phases", "Comités d'évaluation", "Indicateurs", "Portefeuille", "Indicateurs du programme",
                     "Imports", "Administration"],
    "admin": ["Accueil", "Carnet de bord", "Carnets mensuels", "Rétrospectives", "Demandes d'aide", "Dates clés",
              "Phases", "Comités d'évaluation", "Indicateurs", "Portefeuille", "Indicateurs du programme",
              "Imports", "Administration", "Historique des actions"],
    "eig.lea": ["Accueil", "Carnet de bord", "Mon carnet", "Bulletin de la semaine", "Rétrospectives", "Dates clés",
                "Phases", "Comités d'évaluation", "Indicateurs", "Indicateurs du programme"],
    "porteur.marc": ["Accueil", "Carnet de bord", "Rétrospectives", "Dates clés", "Phases", "Comités d'évaluation",
                     "Indicateurs", "Indicateurs du programme"],
    "sponsor.anne": ["Accueil", "Carnet de bord", "Rétrospectives", "Dates clés", "Phases", "Comités d'évaluation",
                     "Indicateurs", "Indicateurs du programme"],
}


def full_screenshot(page, name: str) -> None:  # noqa: ANN001
    """Streamlit scrolls inside its main block, so grow the window to the content first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(900, min(height, 8000))})
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 900})


@pytest.mark.parametrize("login_name", list(MENUS))
def test_every_page_renders_in_french_and_passes_axe(module_app, new_page, login_name):
    page = new_page(locale="en-US")
    login(page, module_app.base_url, login_name, DEMO_PASSWORD)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    titles = [nav.nth(i).inner_text().splitlines()[-1] for i in range(nav.count())]
    assert titles == MENUS[login_name]

    problems: dict[str, object] = {}
    findings: dict[str, list] = {}
    for title in titles[1:] + titles[:1]:  # home last: login lands there
        link = nav.filter(has_text=title).first
        slug = (link.get_attribute("href") or "").rstrip("/").rsplit("/", 1)[-1]
        slug = "home" if ":" in slug or not slug else slug
        previous = page.locator("h1").first.inner_text()
        link.click()
        page.wait_for_url(link.get_attribute("href"))
        # The old page stays on screen until the new one's run begins: wait for its title.
        page.wait_for_function("(old) => { const h = document.querySelector('h1'); return h && h.innerText !== old; }",
                               arg=previous, polling=100)
        settle(page)
        full_screenshot(page, f"tour-{login_name}-{slug}")
        if page.locator('[data-testid="stException"]').count():
            problems[f"{slug}: exception"] = page.locator('[data-testid="stException"]').first.inner_text()[:500]
        if page.evaluate("() => document.documentElement.lang") != "fr":
            problems[f"{slug}: lang"] = "the page does not say it is in French"
        # Visible text, placeholders, screen-reader names, tooltips and chart text: no
        # "2026-W48", no Streamlit English.
        if foreign := foreign_words(page_words(page)):
            problems[f"{slug}: words"] = foreign
        if jumps := heading_jumps(page):
            problems[f"{slug}: headings"] = jumps
        findings[slug] = audit(page)
        if serious := blocking(findings[slug]):
            problems[f"{slug}: axe"] = serious
    # Every finding, of any impact, for docs/accessibility.md.
    (ARTIFACTS / f"axe-{login_name}.json").write_text(json.dumps(findings, indent=1, ensure_ascii=False))
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_axe_forgives_nothing(new_page):
    """The audit is not vacuous: an unlabelled field fails, and so does a menu's list markup
    like Streamlit's sectioned menu before lib/ui/chrome.py repairs it."""
    page = new_page()
    bad_list = "<ul><div><li>un</li></div></ul>"
    page.set_content(f"""<html lang="fr"><head><title>t</title></head><body><main><h1>Essai</h1>
        <input type="text"><nav><div data-testid="stSidebarNavItems">{bad_list}</div></nav>{bad_list}
        </main></body></html>""")
    found = {v["id"]: v for v in blocking(audit(page))}
    assert set(found) == {"label", "list", "listitem"}
    assert len(found["list"]["nodes"]) == 2 and len(found["listitem"]["nodes"]) == 2
