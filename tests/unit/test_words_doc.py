"""The every-page tour's word check (tests/e2e/words.py): Streamlit's English read from its
bundle, the browser's English for date fields, and no remainder left in the accessibility doc."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.streamlit_english import defaults
from tests.e2e.words import foreign_words

DOC = Path(__file__).parents[2] / "docs" / "accessibility.md"


def test_the_bundle_gives_the_texts_the_pages_used_to_show():
    """What the tour met on the pages before lib/ui/chrome.py, read from the pinned bundle."""
    assert {"Skip to main content", "Collapse sidebar", "Show/hide columns", "Download as CSV", "Search",
            "Fullscreen", "Increment", "Decrement", "Choose date", "Clear all", "Help for ${…}", "Remove ${…}",
            "Show password", "Upload", "Link to heading", "App pages"} <= set(defaults())
    # Other languages' tables of the same widgets are not English.
    assert "Afficher les suggestions" not in defaults() and "Mostrar sugerencias" not in defaults()


def test_the_check_flags_iso_weeks_streamlit_and_browser_english():
    found = foreign_words(["Semaine 2026-W48", "Help for Niveau", "Remove M · Management", "Upload",
                           "day, Date", "dd", "12 – December", "20MB per file • CSV, TXT", "1.4KB"])
    assert set(found) == {"ISO week", "Help for ${…}", "Remove ${…}", "Remove ${e}", "Upload", "date field part",
                          "date placeholder", "month name", "file size", "per file"}
    assert found["ISO week"] == ["Semaine 2026-W48"]


def test_the_check_lets_french_through():
    assert foreign_words(["S48 (23-29 nov.)", "semaine du 23 novembre", "semaine 31 du programme sur 44, phase 3",
                          "Choisir…", "Aide : Niveau", "Retirer M · Management", "Parcourir", "jour, Date", "jj",
                          "aaaa", "12 – décembre", "20 Mo par fichier • CSV, TXT", "1,4 ko", "Date",
                          "Rechercher"]) == {}


def test_the_accessibility_doc_leaves_no_english_remainder():
    assert "### Streamlit's English that remains" not in DOC.read_text(encoding="utf-8")
