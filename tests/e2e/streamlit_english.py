"""Streamlit's own English, read from the frontend bundle of the installed (pinned) Streamlit:
the interface texts its widgets and page frame draw around the app's words (button texts,
placeholders, screen-reader names, tooltips). The every-page tour fails on any of them; an
upgrade of Streamlit re-reads its new bundle, so a new English default cannot slip in.

Run `python -m tests.e2e.streamlit_english` to print the list."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import streamlit

BUNDLE = Path(streamlit.__file__).parent / "static" / "static" / "js"

# The bundle's chunks of Streamlit's own interface: the widgets and elements (file names
# starting with a capital), the app frame (index) and the hooks and locale tables the widgets
# draw their texts from. Left out: the third-party renderers inside some elements (Plotly,
# Vega, Mermaid, Deck.gl, ECharts, Graphviz, KaTeX, the syntax highlighter), whose texts are
# chart internals the app does not show (its Plotly charts have no mode bar).
_VENDOR = re.compile(r"^(PlotlyChart|ArrowVegaLiteChart|DeckGlJsonChart|EChartsChart|GraphVizChart|"
                     r"MermaidChart|StreamlitSyntaxHighlighter|BidiComponent|ComponentInstance|Particles|"
                     r"Balloons|Snow|CameraInput|AudioInput|Audio|Video|ChatInput|CustomTheme)\.")
_OWN = re.compile(r"^([A-Z][A-Za-z]+|index|use[A-Z][A-Za-z]+|inputUtils|requiredField|withFullScreenWrapper|"
                  r"createDownloadLinkElement|data-grid-overlay-editor|number-overlay-editor)\.")

# A literal of the minified code: `...` (with ${…} holes) or "...".
_LITERAL = re.compile(r"`((?:[^`\\]|\\.){2,90})`|\"([^\"\\\n]{2,90})\"")
# Interface English: a capital, then words, spaces and light punctuation; at most seven words.
_ENGLISH = re.compile(r"^[A-Z][a-z]+(?:[ /-](?:[A-Za-z]+|\$\{[^}]*\}|\d+)){0,6}(?:\.\.\.|…|\.|!|\?)?$")
_HOLE = re.compile(r"\$\{[^}]*\}")
# Literals of this shape that are code, not words shown to a person.
_CODE = re.compile(r"^(Component|Element|Widget|Block|Delta|Forward|Back|Session|Script|Arrow|Proto|Uint|Int|"
                   r"Float|Array|Object|Error|Symbol|Promise|Map|Set|Date|Math|JSON|String|Number|Boolean|"
                   r"Function|React|Webkit|Moz|Ms)[A-Za-z]*$")


# react-aria's message tables, one per locale: `"fr-FR":Ir` names the table `Ir={…}`.
_LOCALE_TABLE = re.compile(r'"([a-z]{2}-[A-Z]{2})":([A-Za-z_$][\w$]*)')
# A literal shown to a person with no space in it: in an interface position.
_SHOWN_WORD = re.compile(r'(?:"aria-label"|ariaLabel|title|placeholder|label|children|buttonLabel)\s*:\s*'
                         r'(?:[\w$.!?]+\s*\?\s*`[^`]*`\s*:\s*)?`([A-Z][a-z]+)`')


def _english_only(text: str) -> str:
    """The chunk without react-aria's message tables of other locales than en-US."""
    for locale, name in set(_LOCALE_TABLE.findall(text)):
        if locale != "en-US":
            text = re.sub(rf"(?<![\w$]){re.escape(name)}=\{{(?!\}}).*?\}};", "", text, count=1, flags=re.DOTALL)
    return text


def _literals(text: str) -> list[str]:
    """Literals of the minified code; a ${…} hole the pattern could not close is closed."""
    return [re.sub(r"\$\{[^}]*$", "${…}", a or b) for a, b in _LITERAL.findall(text)]


@cache
def defaults() -> tuple[str, ...]:
    """Every interface text of the installed Streamlit's own chunks, sorted."""
    found: set[str] = set()
    for path in sorted(BUNDLE.glob("*.js")):
        if _VENDOR.match(path.name) or not _OWN.match(path.name):
            continue
        code = _english_only(path.read_text(encoding="utf-8", errors="replace"))
        for literal in _literals(code):
            text = literal.strip()
            if _ENGLISH.match(text) and not _CODE.match(text) and (" " in _HOLE.sub("x", text)
                                                                    or text.endswith(("...", "…"))):
                found.add(text)
        found.update(_SHOWN_WORD.findall(code))
    return tuple(sorted(found))


@cache
def patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each default as a pattern matching a whole text: a ${…} hole matches any words."""
    return tuple((text, re.compile("^" + ".+".join(re.escape(part) for part in _HOLE.split(text)) + "$"))
                 for text in defaults())


def english(words: list[str], allowed: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """The texts among `words` that are one of Streamlit's defaults, by default."""
    found: dict[str, list[str]] = {}
    for word in words:
        for text, pattern in patterns():
            if text not in allowed and pattern.match(word):
                found.setdefault(text, []).append(word)
    return {text: sorted(set(hits))[:5] for text, hits in found.items()}


if __name__ == "__main__":
    print("\n".join(defaults()))
    print(f"{len(defaults())} texts from {BUNDLE}")
