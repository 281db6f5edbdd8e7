"""The every-page tour's word check (tests/e2e/words.py) and its documented remainder."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.words import DEFAULTS, REMAINDER, foreign_words

DOC = Path(__file__).parents[2] / "docs" / "accessibility.md"


def test_the_check_flags_iso_weeks_and_streamlit_english():
    found = foreign_words(["Semaine 2026-W48", "Choose an option", "Select all", "day", "dd/mm/yyyy",
                           "Press Enter to apply", "No options to select"])
    assert set(found) == {"ISO week", "Choose an option", "Select all", "dd/mm/yyyy", "Press Enter",
                          "No options to select"}
    assert found["ISO week"] == ["Semaine 2026-W48"]


def test_the_check_lets_french_and_the_documented_remainder_through():
    assert foreign_words(["S48 (23-29 nov.)", "semaine du 23 novembre", "semaine 31 du programme sur 44, phase 3",
                          "Choisir…", "Recherche", "Upload", "20MB per file", "Help for Niveau", "day"]) == {}


def test_every_remainder_is_a_known_default_and_listed_in_the_accessibility_doc():
    names = {name for name, _ in DEFAULTS}
    text = DOC.read_text(encoding="utf-8")
    for name in REMAINDER:
        assert name in names
        assert f"`{name}`" in text, f"docs/accessibility.md does not list {name!r}"
