"""The public, read-only view behind a share link (`/?partage=<token>`): one défi's
published bulletins, for people without an account. frame.py runs it before the login
gate; nothing else of the application is reachable from here."""

import streamlit as st

from lib import formats, sharing, ui
from lib.i18n import t

token = st.query_params.get(sharing.QUERY_PARAM, "")
try:
    shared = sharing.open_link(token)
except sharing.ShareRefused as refusal:
    st.title(t("share.refused.title"))
    st.error(str(refusal))
    st.stop()

st.title(t("share.page_title", defi=ui.md(shared.defi)))
st.caption(t("share.page_caption", promotion=ui.md(shared.promotion), date=formats.moment(shared.expires_at)))
if shared.bulletins.empty:
    st.info(t("share.empty"))
for row in shared.bulletins.itertuples():
    ui.bulletin_card(row.week, row.mood, row.priority, row.ups_downs)
