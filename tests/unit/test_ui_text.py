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


def test_md_keeps_line_breaks_and_indentation_out_of_code_blocks():
    assert md("un\n\n    deux") == "un  \n  \n\u00a0\u00a0\u00a0\u00a0deux"
