"""A table and 20 bordered cards, like a journal page."""

import pandas as pd
import streamlit as st

st.title("Tableau et cartes")
st.dataframe(pd.DataFrame({"semaine": range(1, 51), "humeur": [n % 5 for n in range(50)]}), hide_index=True)
for n in range(20):
    with st.container(border=True):
        st.markdown(f"**Entrée {n + 1}** · atelier avec l'équipe")
        st.caption("Une ligne de détail sous l'entrée.")
