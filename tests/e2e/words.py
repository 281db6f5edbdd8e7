"""What a French reader must not meet on a page: an ISO week code, or one of Streamlit's
English defaults (visible text, a field's placeholder, a screen-reader name). The few
defaults Streamlit 1.67 gives an app no way to replace are the REMAINDER, each with where it
shows and why it stays; docs/accessibility.md lists the same (tests/unit/test_words_doc.py
checks it does)."""

from __future__ import annotations

import re

ISO_WEEK = re.compile(r"\d{4}-W\d{2}")

# Streamlit 1.67's own English, read in its frontend bundle (static/js): (name, pattern).
# A pattern is searched in each visible line, placeholder, aria-label and title of the page.
DEFAULTS: list[tuple[str, str]] = [
    ("View more", r"\bView (more|less)\b"),
    ("Choose an option", r"^Choose (an option|options)$|^Choose or add"),
    ("No options to select", r"^No options to select$"),
    ("No results", r"^No results$"),
    ("Add an option", r"^Add (an option|options)$"),
    ("Select all", r"^Select all$|^Select \d+ matches$"),
    ("Press Enter", r"^Press Enter to (apply|submit form)$"),
    ("Drag and drop", r"^Drag and drop (file|files) here$"),
    ("Browse files", r"^Browse files$"),
    ("Running...", r"^Running\.\.\.$"),
    ("Upload", r"^Upload( directories)?$"),
    ("per file", r"^\d+(\.\d+)?\s?[KMG]?B per file"),
    ("Help for", r"^Help( for .*)?$"),
    ("dd/mm/yyyy", r"^(dd|mm|yyyy)$|dd/mm/yyyy"),
    ("day/month/year", r"^(day|month|year)(, )?$"),
    ("Clear value", r"^Clear (value|all|the date)$"),
    ("Choose date", r"^Choose date( range)?$"),
    ("Skip to main content", r"^Skip to main content$"),
    ("Show password", r"^(Show|Hide) password$"),
    ("Fullscreen", r"^(Fullscreen|Close fullscreen)$"),
    ("Download as CSV", r"^Download as CSV$"),
    ("Search", r"^Search$"),
]

# Left, because Streamlit 1.67 offers no parameter for it: name -> (where, why).
REMAINDER: dict[str, tuple[str, str]] = {
    "Upload": ("Imports, the file uploader's button",
               "the button's text is fixed in Streamlit's FileUploader; st.file_uploader has no label for it"),
    "per file": ("Imports, under the file uploader (« 20MB per file »)",
                 "the limit comes from server.maxUploadSize (20 MB), its wording is fixed in the frontend"),
    "Help for": ("screen-reader name of every « ? » tooltip (help=)",
                 "Streamlit names the icon « Help for <label> »; no parameter renames it"),
    "day/month/year": ("screen-reader names of the day, month and year parts of every date field",
                       "the date field is drawn with the en-US locale whatever format= says"),
    "Choose date": ("screen-reader name of the calendar button of every date field",
                    "fixed in Streamlit's DateInput"),
    "Clear value": ("screen-reader name of the « × » that empties a multiselect (« Clear all »)",
                    "fixed in Streamlit's Multiselect and Selectbox"),
    "Skip to main content": ("first link of every page, for keyboard users",
                             "part of Streamlit's page frame"),
    "Fullscreen": ("toolbar of tables and charts (« Fullscreen »)",
                   "Streamlit's element toolbar; it can only be hidden, and hiding it removes the feature"),
    "Download as CSV": ("toolbar of every st.dataframe",
                        "the grid toolbar's download button; the pages offer French exports besides"),
    "Search": ("toolbar of every st.dataframe",
               "the grid toolbar's search button"),
    "Show password": ("login page, the eye in the password field",
                      "fixed in Streamlit's TextInput"),
}


def page_words(page) -> list[str]:  # noqa: ANN001
    """Every visible line, placeholder, aria-label and title of the page, and the text of
    its charts (SVG), one string each."""
    return page.evaluate("""() => {
        const out = document.body.innerText.split('\\n');
        for (const el of document.querySelectorAll('[placeholder],[aria-label],[title]')) {
            for (const name of ['placeholder', 'aria-label', 'title']) {
                const v = el.getAttribute(name);
                if (v) out.push(v);
            }
        }
        for (const el of document.querySelectorAll('svg text')) out.push(el.textContent);
        return out.map(s => s.trim()).filter(s => s.length > 0);
    }""")


def foreign_words(words: list[str]) -> dict[str, list[str]]:
    """ISO week codes and Streamlit English defaults outside the REMAINDER, with what matched."""
    found: dict[str, list[str]] = {}
    for word in words:
        if ISO_WEEK.search(word):
            found.setdefault("ISO week", []).append(word)
        for name, pattern in DEFAULTS:
            if name not in REMAINDER and re.search(pattern, word):
                found.setdefault(name, []).append(word)
    return {name: sorted(set(hits))[:5] for name, hits in found.items()}
