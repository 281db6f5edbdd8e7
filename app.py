"""Suivi des défis EIG: entry point. Login gate, promotion/défi picker, role-aware menu."""

import streamlit as st

from lib import ui
from lib.i18n import t

# (script, title key, icon, section key, who sees it in the menu)
PAGES = [
    ("pages/home.py", "page.home", ":material/home:", "app.section.suivi", ui.everyone),
    ("pages/journal.py", "page.journal", ":material/menu_book:", "app.section.suivi", ui.team),
    ("pages/carnet.py", "page.carnet", ":material/person_book:", "app.section.suivi", ui.eig_or_staff),
    ("pages/bulletin.py", "page.bulletin", ":material/edit_note:", "app.section.suivi", ui.eig),
    ("pages/retrospectives.py", "page.retrospectives", ":material/insights:", "app.section.suivi", ui.everyone),
    ("pages/help_requests.py", "page.help_requests", ":material/support_agent:", "app.section.suivi", ui.staff),
    ("pages/key_dates.py", "page.key_dates", ":material/event:", "app.section.suivi", ui.everyone),
    ("pages/phases.py", "page.phases", ":material/timeline:", "app.section.suivi", ui.team),
    ("pages/committees.py", "page.committees", ":material/groups:", "app.section.suivi", ui.team),
    ("pages/indicators.py", "page.indicators", ":material/trending_up:", "app.section.suivi", ui.team),
    ("pages/portfolio.py", "page.portfolio", ":material/monitoring:", "app.section.pilotage", ui.staff),
    ("pages/programme.py", "page.programme", ":material/query_stats:", "app.section.pilotage", ui.everyone),
    ("pages/import.py", "page.import", ":material/upload_file:", "app.section.admin", ui.staff),
    ("pages/admin.py", "page.admin", ":material/settings:", "app.section.admin", ui.staff),
]

st.set_page_config(page_title=t("app.title"), page_icon=":material/explore:", layout="wide")
ui.boot()
if st.query_params.get("partage"):
    # A share link (lib/sharing.py): one défi's published bulletins, read-only, without logging in.
    st.navigation([st.Page("pages/shared.py", title=t("page.shared"))], position="hidden").run()
    st.stop()
if st.query_params.get("jeton"):
    # An invitation or reset link (lib/invitations.py): choose a password, without logging in.
    st.navigation([st.Page("pages/choose_password.py", title=t("password.page_title"))], position="hidden").run()
    st.stop()
if not st.session_state.get("authentication_status"):
    # Before login, every page is declared but hidden: the visitor sees no menu (without a
    # navigation, Streamlit would list the scripts of pages/), and an inner address (a bookmark,
    # a reload) is still the page shown once logged in, the login cookie taking a run or two.
    # The menu below offers only the role's pages; any other address opens the home.
    st.navigation([st.Page(script, title=t(title)) for script, title, *_ in PAGES], position="hidden")
actor, authenticator = ui.login_gate()
ctx = ui.sidebar(actor, authenticator)

sections: dict[str, list] = {}
for script, title, icon, section, audience in PAGES:
    if audience(ctx):
        sections.setdefault(t(section), []).append(st.Page(script, title=t(title), icon=icon))
# Every page stays listed: the collapsed menu hides the rest behind an English "View more".
st.navigation(sections, expanded=True).run()
