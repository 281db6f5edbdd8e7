"""The pages' frame, the script app.py serves: start-up, the public share and password
links, the login gate, the promotion/défi picker and the role-aware menu."""

import logging
from pathlib import Path

import streamlit as st

from lib import ui
from lib.config import ConfigurationError
from lib.i18n import t

# The tab's icon is a file of ours, sent inline: a Material icon name would make every page
# (the public ones too) fetch it from Google's font server.
ICON = Path(__file__).parent / "lib" / "assets" / "icon.svg"
st.set_page_config(page_title=t("app.title"), page_icon=str(ICON), layout="wide")
try:
    ui.boot()
except ConfigurationError as refusal:
    # A configuration the app cannot run on (a key file, a secret, production's rules): the
    # operator's log says which and why, in French; visitors read that the app is stopped, not
    # the server's paths.
    logging.getLogger("lib").error("%s", refusal)
    st.error(t("config.stopped"))
    st.stop()
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
