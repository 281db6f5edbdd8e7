"""Every string a user reads comes from one gettext catalogue,
`lib/locale/fr/LC_MESSAGES/messages.po`, whose message ids are keys ("area.name").

`t(key, **values)` returns the French text formatted with `values`; a counted message
takes its count as `n` and picks its plural form (`ngettext`, French rule: 0 and 1 are
singular). A key missing from the catalogue raises KeyError. The interface is French only:
a second language is a translator's job (`pybabel init -l en` from the same catalogue).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGE = "fr"
CATALOGUE = Path(__file__).parent / "locale" / LANGUAGE / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOGUE.with_suffix(".mo")


def read_catalogue() -> Catalog:
    """The catalogue as written, every message with its forms."""
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale=LANGUAGE)


def compile_catalogue() -> Path:
    """The catalogue compiled to messages.mo, unless the .mo is already newer (`make run` and
    `make test` compile it; a process that finds it missing or stale compiles it itself)."""
    if COMPILED.exists() and COMPILED.stat().st_mtime >= CATALOGUE.stat().st_mtime:
        return COMPILED
    catalog = read_catalogue()
    partial = COMPILED.with_suffix(f".{os.getpid()}.tmp")  # processes compiling at once never see half a file
    with partial.open("wb") as mo:
        write_mo(mo, catalog)
    partial.replace(COMPILED)
    return COMPILED


@functools.cache
def _translations() -> Translations:
    with compile_catalogue().open("rb") as mo:
        return Translations(mo, domain="messages")


def t(key: str, **values: object) -> str:
    """The text for `key`, formatted with `values`; with `n`, its plural form for n."""
    catalogue = _translations()
    text = catalogue.ngettext(key, key, values["n"]) if "n" in values else key
    if text == key:  # not a counted message
        text = catalogue.gettext(key)
    if text == key:
        raise KeyError(f"no message {key!r} in {CATALOGUE.name}")
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """Whether the catalogue has a (non-counted) message `key`."""
    return _translations().gettext(key) != key


if __name__ == "__main__":
    print(compile_catalogue())
