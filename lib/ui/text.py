"""People's words in anything Streamlit renders as Markdown: `md` makes them inert, so they show
and copy as typed, never as a link, an image, emphasis, colour or formula."""

from __future__ import annotations

import re

# What opens Markdown or Streamlit syntax anywhere in a line (emphasis, code, links and images,
# HTML and autolinks, tables, strikethrough, LaTeX, entities, and Streamlit's `:red[...]`,
# `:material/...:` and `:smile:` (a colon before a letter): escaped with a
# backslash. Only these: widget labels also become the field's aria-label, where screen readers
# would read every backslash, so apostrophes, colons and periods stay as typed.
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>|~$])|&(?=#?\w+;)|:(?=[A-Za-z])")
# What opens a block at the start of a line: headings, lists, numbered lists, setext underlines.
_LINE_SYNTAX = re.compile(r"^([\u00a0]*(?:\d+(?=[.)]))?)([#+\-=.)])", re.MULTILINE)
# GitHub-flavoured Markdown links bare addresses (`http://…`, `www.…`, `name@host`) found in the
# text it shows, escapes and entities notwithstanding. The character each one turns on (`@`, the
# colon of `://`, the dot after `www`) goes into a span of its own, Streamlit's `:color[…]{}`
# without a colour: the linker reads the text on either side apart, while the page shows and
# copies the characters as typed. A colon just before the span is escaped: `::color` opens none.
_BARE_ADDRESS = re.compile(r"(:?)(@|:(?=//)|(?<=www)\.)", re.IGNORECASE)
# A line indented by four spaces after a blank line would be a code block, where escapes show.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def md(text: object) -> str:
    """User text made inert inside anything that renders Markdown (st.markdown, alerts,
    captions, titles, widget and expander labels): it shows as typed, never as a link, an
    image, emphasis, colour or formula."""
    text = _INDENT.sub(lambda m: "\u00a0" * len(m.group()), str(text))
    text = _INLINE_SYNTAX.sub(lambda m: "\\" + m.group(0), text)
    text = _LINE_SYNTAX.sub(r"\1\\\2", text)
    text = _BARE_ADDRESS.sub(lambda m: ("\\:" if m[1] else "") + f":color[{m[2]}]{{}}", text)
    return text.replace("\n", "  \n")
