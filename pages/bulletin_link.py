"""A reminder's personal link (`/?bulletin=<token>`): signs its EIG in, as the login form would,
and opens this week's bulletin of their défi. frame.py runs it before the login gate; a refused
link says why in French, signs nobody in, and offers the app's first page."""

import streamlit as st

from lib import invitations, ui
from lib.i18n import t

token = st.query_params.get(invitations.BULLETIN_PARAM, "")
try:
    link = invitations.use_bulletin_link(token, ui.browser_login())
except invitations.TokenRefused as refusal:
    st.title(t("bulletin_link.refused.title"))
    st.error(str(refusal))
    st.button(t("bulletin_link.to_app"), type="primary", on_click=st.query_params.clear)
    st.stop()

ui.open_session(link.actor.login, link.session_epoch)
ui.open_page(ui.PageContext(actor=link.actor, promotion=None, defi=None), "pages/bulletin.py", link.defi_id,
             link.promotion_id)
st.query_params.clear()  # the spent token leaves the address bar
st.rerun()
