"""A page for tests/e2e/test_markup.py: the user text in the address (`?texte=`) drawn through
`ui.md` in each kind of element that renders Markdown, each in a container keyed `sink_<kind>`."""

import streamlit as st

from lib.ui import md

text = md(st.query_params.get("texte", ""))
with st.container(key="sink_title"):
    st.title(text)
with st.container(key="sink_markdown"):
    st.markdown(text)
with st.container(key="sink_caption"):
    st.caption(text)
with st.container(key="sink_info"):
    st.info(text)
with st.container(key="sink_checkbox"):
    st.checkbox(text)
with st.container(key="sink_expander"), st.expander(text):
    st.write("·")
with st.container(key="sink_tab"):
    st.tabs([text, "·"])
with st.container(key="sink_radio"):
    st.radio(text, ["·"])
with st.container(key="sink_text_input"):
    st.text_input(text)
with st.container(key="sink_metric"):
    st.metric(text, 1)
