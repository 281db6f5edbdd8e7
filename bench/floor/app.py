"""Streamlit's floor for `make bench-browser`: a bare multipage app with as many pages as
the coach's menu, of three kinds (text, a table and 20 bordered cards, one chart)."""

import streamlit as st

KINDS = ["text", "cards", "chart"]
PAGES = 13  # the coach's menu

st.set_page_config(page_title="Plancher", layout="wide")
st.navigation([st.Page(f"pages/{KINDS[n % 3]}.py", title=f"Page {n + 1} ({KINDS[n % 3]})",
                       url_path=f"page-{n + 1}", default=n == 0) for n in range(PAGES)],
              expanded=True).run()
