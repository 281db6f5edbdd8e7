"""ui.md, the one escape for user text inside Markdown (the browser test test_markup.py
checks what Streamlit draws; this checks the rules fast)."""

from __future__ import annotations

import re

from lib.ui import md

# What GitHub-flavoured Markdown links even when every punctuation mark is escaped.
BARE_ADDRESS = re.compile(r"https?:\\?/\\?/|www\\?\.|[\w.+-]\\?@", re.IGNORECASE)


def test_md_leaves_no_bare_address_to_link():
    for text in ("http://x.fr", "HTTPS://x.fr/a", "www.x.fr", "WWW.x.fr", "marc@x.fr", "mailto:marc@x.fr"):
        assert BARE_ADDRESS.search(md(text)) is None, md(text)


def test_md_puts_each_address_mark_in_a_span_of_its_own_and_no_invisible_character():
    """The mark an autolink turns on sits alone in Streamlit's colourless `:color[…]{}` span:
    the page shows and copies the characters as typed (test_markup.py checks it in Chromium)."""
    assert md("dpo@x.fr") == "dpo:color[@]{}x.fr"
    assert md("http://x.fr www.y.fr") == "http:color[:]{}//x.fr www:color[.]{}y.fr"
    assert md("a:@b") == "a\\::color[@]{}b"  # `::color` would open no span
    assert not any("\u2060" in md(text) for text in ("http://x.fr", "www.x.fr", "marc@x.fr"))


def test_md_keeps_line_breaks_and_indentation_out_of_code_blocks():
    assert md("un\n\n    deux") == "un  \n  \n\u00a0\u00a0\u00a0\u00a0deux"


def test_md_escapes_only_what_opens_markdown_so_labels_read_as_typed():
    """Widget labels are also the fields' aria-labels: screen readers read every backslash."""
    assert md("Définir l'usage : 3 étapes, (bientôt) ; fin.") == "Définir l'usage : 3 étapes, (bientôt) ; fin."
    assert md("**b** [l](x) :red[r] $x$ `c` à 10:30") == r"\*\*b\*\* \[l\](x) \:red\[r\] \$x\$ \`c\` à 10:30"
    assert md("1. un\n- deux\n# trois") == "1\\. un  \n\\- deux  \n\\# trois"
