"""Suivi des défis EIG: entry point. Login gate, promotion/défi picker, role-aware menu."""

import streamlit as st

from lib import ui
from lib.i18n import t

# (script, title key, icon, section key, who sees it in the menu)
PAGES = [
    ("pages/home.py", "page.home", ":material/home:", "app.section.suivi", ui.everyone),
    ("pages/admin.py", "page.admin", ":material/settings:", "app.section.admin", ui.staff),
]

st.set_page_config(page_title=t("app.title"), page_icon=":material/explore:", layout="wide")
ui.boot()
actor, authenticator = ui.login_gate()
ctx = ui.sidebar(actor, authenticator)

sections: dict[str, list] = {}
for script, title, icon, section, audience in PAGES:
    if audience(ctx):
        sections.setdefault(t(section), []).append(st.Page(script, title=t(title), icon=icon))
st.navigation(sections).run()
