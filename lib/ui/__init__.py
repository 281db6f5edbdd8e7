"""Streamlit glue shared by the frame (frame.py) and the pages, one module per concern; no SQL
here, services only. Pages use the names below as `ui.<name>`.

- `login`: the login gate, the login cookie, ProConnect, logout, « Mot de passe oublié ? ».
- `page`: start-up, the sidebar's promotion and défi (`PageContext`), the menu and each page's gate.
- `cache`: cached reads, coherent across processes, and the clock they are keyed on.
- `forms`: forms opened on a record or creating one, and the buttons that write once.
- `md`, people's words made inert in Markdown, comes from lib/text.py, which chat messages share.
- `kit`: what page bodies are made of (tabs, charts with their data, tables, cards, downloads).
- `chrome`: Streamlit's own interface in French (lib/ui/chrome.py).
"""

from lib.text import md
from lib.ui.cache import cached, now
from lib.ui.forms import (
    Edit,
    New,
    confirmed,
    done,
    edit,
    new,
    newer_version,
    save_button,
    save_or_delete,
    send_button,
    submit,
    typed,
)
from lib.ui.kit import (
    FULL_ROWS,
    bulletin_card,
    chart,
    download,
    folded,
    french_numbers,
    indicator_columns,
    invite_promotion,
    phase_metrics,
    risk_coloured,
    rows_key,
    same_defi,
    sections,
    table,
)
from lib.ui.login import SESSION_EPOCH, browser_login, current_actor, fragment_actor, login_gate, open_session
from lib.ui.page import (
    ADMIN,
    PAGES,
    PROMOTION,
    STAFF,
    Need,
    Page,
    PageContext,
    boot,
    defi,
    may,
    menu_name,
    open_page,
    page,
    role_label,
    sidebar,
)

__all__ = [
    "ADMIN", "FULL_ROWS", "PAGES", "PROMOTION", "SESSION_EPOCH", "STAFF", "Edit", "Need", "New", "Page",
    "PageContext", "boot", "browser_login", "bulletin_card", "cached", "chart", "confirmed", "current_actor",
    "defi", "done", "download", "edit", "folded", "fragment_actor", "french_numbers", "indicator_columns",
    "invite_promotion", "login_gate", "may", "md", "menu_name", "new", "newer_version", "now", "open_page",
    "open_session", "page", "phase_metrics", "risk_coloured", "role_label", "rows_key", "same_defi", "save_button",
    "save_or_delete", "sections", "send_button", "sidebar", "submit", "table", "typed",
]
