"""Suivi des défis EIG: entry point. Login gate, promotion/défi picker, role-aware menu."""

import streamlit as st

from lib import ui
from lib.i18n import t

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
if st.query_params.get("bulletin"):
    # A reminder's personal link (lib/invitations.py): signs its EIG in on this week's bulletin.
    st.navigation([st.Page("pages/bulletin_link.py", title=t("bulletin_link.page_title"))], position="hidden").run()
    st.stop()
if not st.session_state.get("authentication_status"):
    # Before login, every page is declared but hidden: the visitor sees no menu (without a
    # navigation, Streamlit would list the scripts of pages/), and an inner address (a bookmark,
    # a reload) is still the page shown once logged in, the login cookie taking a run or two.
    # The menu below offers only the role's pages; any other address opens the home.
    st.navigation([st.Page(page.script, title=t(page.title)) for page in ui.PAGES], position="hidden")
actor, authenticator = ui.login_gate()
ctx = ui.sidebar(actor, authenticator)

sections: dict[str, list] = {}
for page in ui.PAGES:  # the pages' needs decide the menu, as they decide each page's gate
    if page.offered(ctx):
        sections.setdefault(t(page.section), []).append(st.Page(page.script, title=t(page.menu_title(ctx)),
                                                                icon=page.icon))
# Every page stays listed: the collapsed menu hides the rest behind an English "View more".
st.navigation(sections, expanded=True).run()
