"""lib/ui/chrome.py's script in Chromium set to American English, on markup shaped like
Streamlit's: Streamlit's own texts turn French, people's words stay exactly as typed."""

from __future__ import annotations

import pytest

from lib.ui.chrome import script

pytestmark = pytest.mark.browser

# Streamlit's own texts, and people's words that read like them.
PAGE = """<html><body>
<a data-testid="stSkipToContent" href="#main">Skip to main content</a>
<ul data-testid="stSidebarNavItems"><div><header data-testid="stNavSectionHeader">Suivi</header>
  <li><a href="/">Accueil</a></li></div></ul>
<button id="help" aria-label="Help for Point de départ">?</button>
<div data-testid="stFileUploader"><div data-testid="stFileUploaderDropzone">
  <button><div data-testid="stMarkdownContainer"><p>Upload</p></div></button>
  <span data-testid="stFileUploaderDropzoneInstructions"><span>20MB per file</span> • CSV, TXT</span></div>
  <div data-testid="stFileChip" aria-label="rapport 2KB.csv, 1.4KB">
    <span data-testid="stFileChipName">rapport 2KB.csv</span>
    <span id="size">1.4KB</span></div></div>
<div data-testid="stDateInputCalendar">
  <span id="keys">Use arrow keys to navigate dates. Enter to select. Escape to close.</span></div>
<div data-testid="stDateInput"><div role="group" aria-label="Date">
  <span id="day" role="spinbutton" aria-label="day, Date" aria-valuetext="Empty">dd</span>
  <span id="month" role="spinbutton" aria-label="month, Date" aria-valuetext="12 – December">12</span></div></div>
<div data-testid="stMarkdownContainer"><p id="typed">Search</p></div>
<input id="label" aria-label="Écrire à dpo:color[@]{}exemple.fr \\*vite\\* 1\\. \\\\">
<div data-testid="stSelectbox"><div id="chosen">Upload</div>
  <ul role="listbox"><li role="option" aria-label="Help for Point de départ">Fullscreen</li></ul></div>
</body></html>"""


def test_streamlit_speaks_french_and_people_keep_their_words(new_page):
    page = new_page(locale="en-US")
    page.set_content(PAGE.replace("</body>", script() + "</body>"))
    text = page.evaluate("(id) => document.getElementById(id).innerText", "typed")
    assert text == "Search"  # a person's text, in Markdown
    assert page.evaluate("() => [document.documentElement.lang, navigator.language]") == ["fr", "fr-FR"]
    assert page.locator('[data-testid="stSkipToContent"]').inner_text() == "Aller au contenu"
    assert page.locator("#help").get_attribute("aria-label") == "Aide : Point de départ"
    assert page.locator('[data-testid="stFileUploaderDropzone"] button').inner_text() == "Parcourir"
    assert page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').inner_text() == \
        "20\u00a0Mo par fichier • CSV, TXT"
    assert page.locator("#size").inner_text() == "1,4\u00a0ko"
    assert page.locator('[data-testid="stFileChipName"]').inner_text() == "rapport 2KB.csv"
    assert page.locator('[data-testid="stFileChip"]').get_attribute("aria-label") == "rapport 2KB.csv, 1,4\u00a0ko"
    assert page.locator("#keys").inner_text() == "Les flèches changent de jour, Entrée choisit, Échap ferme."
    assert page.locator("#day").get_attribute("aria-label") == "jour, Date"
    assert page.locator("#day").get_attribute("aria-valuetext") == "vide"
    assert page.locator("#day").inner_text() == "jj"
    assert page.locator("#month").get_attribute("aria-valuetext") == "12 – décembre"
    # A label with people's words (escaped by ui.md) is read as it shows.
    assert page.locator("#label").get_attribute("aria-label") == "Écrire à dpo@exemple.fr *vite* 1. \\"
    # The sectioned menu is a list per section.
    assert page.locator('[data-testid="stSidebarNavItems"]').get_attribute("role") == "none"
    assert page.locator('[data-testid="stSidebarNavItems"] > div').get_attribute("role") == "list"
    # People's words in a chosen value and in options stay as typed.
    assert page.locator("#chosen").inner_text() == "Upload"
    assert page.locator('[role="option"]').inner_text() == "Fullscreen"
    assert page.locator('[role="option"]').get_attribute("aria-label") == "Help for Point de départ"


def test_what_streamlit_draws_later_is_translated_too(new_page):
    page = new_page(locale="en-US")
    page.set_content(f"<html><body><main></main>{script()}</body></html>")
    page.evaluate("""() => {
        const b = document.createElement('button'); b.id = 'late'; b.setAttribute('aria-label', 'Increment');
        document.querySelector('main').append(b);
    }""")
    page.wait_for_function("() => document.getElementById('late').getAttribute('aria-label') === 'Augmenter'")
    page.evaluate("() => document.getElementById('late').setAttribute('aria-label', 'Decrement')")
    page.wait_for_function("() => document.getElementById('late').getAttribute('aria-label') === 'Diminuer'")
