"""The message catalogue against the code: every key the code asks exists, every message is
asked somewhere, counted messages have their plural forms, and nothing improvises one."""

import re
import string

import pytest

from lib.config import ROOT
from lib.i18n import read_catalogue, t

SOURCES = [ROOT / "frame.py", *sorted((ROOT / "lib").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")),
           *sorted((ROOT / "routes").glob("*.py")),
           *sorted((ROOT / "lib" / "templates").iterdir())]
CODE = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)
ASKED = set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", CODE))  # t("key", ...)
QUOTED = set(re.findall(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""", CODE))  # keys passed around as values
DYNAMIC = set(re.findall(r"""f["']([a-z_]+(?:\.[a-z0-9_]+)*\.)\{""", CODE))  # t(f"prefix.{value}")


MESSAGES = {m.id[0] if m.pluralizable else m.id: m for m in read_catalogue() if m.id}


def test_every_key_the_code_asks_is_in_the_catalogue():
    assert ASKED, "the scan found no t() call"
    assert sorted(ASKED - MESSAGES.keys()) == []
    assert sorted(p for p in DYNAMIC if not any(k.startswith(p) for k in MESSAGES)) == []


def test_every_message_of_the_catalogue_is_used():
    unused = [k for k in MESSAGES if k not in QUOTED and not any(k.startswith(p) for p in DYNAMIC)]
    assert unused == []


def test_counted_messages_have_both_forms_with_the_same_placeholders():
    names = string.Formatter()
    for key, message in MESSAGES.items():
        forms = message.string if message.pluralizable else (message.string,)
        assert all(forms), f"{key} has an empty form"
        fields = [{f for _, f, _, _ in names.parse(form) if f} for form in forms]
        assert all(f == fields[0] for f in fields), key
        if message.pluralizable:
            assert len(forms) == 2, key
        assert not re.search(r"\w\(s\)", " ".join(forms)), f"{key} improvises a plural with (s)"


@pytest.mark.parametrize(("n", "text"), [(0, "0 entrée · page 1 sur 1"), (1, "1 entrée · page 1 sur 1"),
                                         (2, "2 entrées · page 1 sur 1")])
def test_a_count_picks_the_french_plural_form(n, text):
    assert t("journal.count", n=n, page=1, pages=1) == text


def test_an_unknown_key_raises_instead_of_showing_the_key():
    with pytest.raises(KeyError, match="journal.cuont"):
        t("journal.cuont")
    with pytest.raises(KeyError):
        t("journal.cuont", n=2)
