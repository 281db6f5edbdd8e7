"""What a French reader must not meet on a page: an ISO week code, or one of Streamlit's
English defaults (visible text, a field's placeholder, a screen-reader name, a tooltip).

Streamlit's defaults are read from the pinned Streamlit's frontend bundle
(tests/e2e/streamlit_english.py), so an upgrade brings its new texts into the check. A few
English texts are not in the bundle because the browser's `Intl` makes them for the en-US
locale Streamlit forces on its date fields: those are INTL below. Nothing is let through:
docs/accessibility.md's remainder is empty (tests/unit/test_words_doc.py checks both)."""

from __future__ import annotations

import re

from tests.e2e.streamlit_english import english

ISO_WEEK = re.compile(r"\d{4}-W\d{2}")

# English made by the browser for Streamlit's en-US date fields and its uploader's sizes:
# (name, pattern of a whole text).
INTL: list[tuple[str, str]] = [
    ("date field part", r"^(day|month|year|hour)(, .*)?$"),  # « minute » is French too
    ("date placeholder", r"^(dd|yyyy)$|dd/mm/yyyy"),
    ("month name", r"^\d+ – (January|February|March|April|May|June|July|August|September|October|"
                   r"November|December)$"),
    ("file size", r"\b\d+(\.\d+)?(KB|MB|GB)\b"),
    ("per file", r"\bper file\b"),
]


def page_words(page) -> list[str]:  # noqa: ANN001
    """Every visible line, placeholder, aria-label, aria-valuetext, title and alt of the page,
    and the text of its charts (SVG), one string each."""
    return page.evaluate("""() => {
        const out = document.body.innerText.split('\\n');
        const names = ['placeholder', 'aria-label', 'aria-valuetext', 'title', 'alt'];
        for (const el of document.querySelectorAll(names.map(n => '[' + n + ']').join(','))) {
            for (const name of names) {
                const v = el.getAttribute(name);
                if (v) out.push(v);
            }
        }
        for (const el of document.querySelectorAll('svg text')) out.push(el.textContent);
        return out.map(s => s.trim()).filter(s => s.length > 0);
    }""")


def foreign_words(words: list[str]) -> dict[str, list[str]]:
    """ISO week codes, Streamlit's English defaults and the browser's English, with what matched."""
    found: dict[str, list[str]] = {}
    for word in words:
        if ISO_WEEK.search(word):
            found.setdefault("ISO week", []).append(word)
        for name, pattern in INTL:
            if re.search(pattern, word):
                found.setdefault(name, []).append(word)
    found = {name: sorted(set(hits))[:5] for name, hits in found.items()}
    return found | english(words)
