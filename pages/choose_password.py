"""Choosing a password through an emailed link (`/?jeton=<token>`): an invitation or a
reset. frame.py runs it before the login gate; the link alone opens nothing else."""

import streamlit as st

from lib import formats, invitations
from lib.i18n import t
from lib.schemas import CHOSEN_PASSWORD_MIN, ChosenPasswordIn
from lib.ui import md, submit

token = st.query_params.get(invitations.QUERY_PARAM, "")


def password_chosen(login: str) -> None:
    """Say so on the next run, without the form."""
    st.session_state["password_chosen_for"] = login
    st.rerun()


def to_login() -> None:
    st.session_state.pop("password_chosen_for", None)
    st.query_params.clear()


st.title(t("password.page_title"))
if chosen := st.session_state.get("password_chosen_for"):
    st.success(t("password.done", login=md(chosen)))
    st.button(t("password.to_login"), type="primary", on_click=to_login)
    st.stop()
try:
    link = invitations.open_link(token)
except invitations.TokenRefused as refusal:
    st.header(t("password.refused.title"))
    st.error(str(refusal))
    st.button(t("password.to_login"), on_click=to_login)
    st.stop()

st.markdown(t("password.for", name=md(link.display_name), login=md(link.login)))
st.caption(t("password.rules", n=CHOSEN_PASSWORD_MIN))
st.caption(t("mail.link_validity", date=formats.moment(link.expires_at)))
with st.form("choose_password"):
    password = st.text_input(t("password.new"), type="password", autocomplete="new-password", key="password_new")
    confirmation = st.text_input(t("password.confirmation"), type="password", autocomplete="new-password",
                                 key="password_confirmation")
    if st.form_submit_button(t("password.save"), type="primary"):
        submit(lambda: ChosenPasswordIn(login=link.login, password=password, confirmation=confirmation),
               lambda data: invitations.choose_password(token, data), after=password_chosen)
