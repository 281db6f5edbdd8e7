"""User text: accent- and case-insensitive folding (search, import), and the one escape that
makes it inert wherever Markdown renders it (pages and chat messages)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free form of `text`: "Équipe" and "equipe" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# What opens Markdown or Streamlit syntax anywhere in a line (emphasis, code, links and images,
# HTML and autolinks, tables, strikethrough, LaTeX, entities, and Streamlit's `:red[...]`,
# `:material/...:` and `:smile:` (a colon before a letter): escaped with a
# backslash. Only these: widget labels also become the field's aria-label, where screen readers
# would read every backslash, so apostrophes, colons and periods stay as typed.
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>|~$])|&(?=#?\w+;)|:(?=[A-Za-z])")
# What opens a block at the start of a line: headings, lists, numbered lists, setext underlines.
_LINE_SYNTAX = re.compile(r"^([\u00a0]*(?:\d+(?=[.)]))?)([#+\-=.)])", re.MULTILINE)
# GitHub-flavoured Markdown links bare addresses (`http://…`, `www.…`, `name@host`) even when
# escaped, so an invisible word joiner goes inside each.
_BARE_ADDRESS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
# Chat servers ping on a word (Mattermost `@channel`, `@all`, `@here`, a `~channel` link,
# Matrix `@room` and user ids), matched after Markdown: a word joiner after the sign breaks the
# word. Slack's `<!channel>` is already escaped (`<`), which Slack receives as `&lt;`.
_MENTION = re.compile(r"(?<=[@~])")
# A line indented by four spaces after a blank line would be a code block, where escapes show.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def md(text: object, chat: bool = False) -> str:
    """User text made inert inside anything that renders Markdown (st.markdown, alerts,
    captions, titles, widget and expander labels; with `chat`, a chat message): it shows as
    typed, never as a link, an image, emphasis, colour, formula or (chat) mention."""
    text = _BARE_ADDRESS.sub("\u2060", str(text))
    if chat:
        text = _MENTION.sub("\u2060", text)
    text = _INDENT.sub(lambda m: "\u00a0" * len(m.group()), text)
    text = _INLINE_SYNTAX.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_SYNTAX.sub(r"\1\\\2", text).replace("\n", "  \n")
