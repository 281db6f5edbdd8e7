"""A title and a paragraph."""

import streamlit as st

st.title("Texte")
st.write("Une page de texte, sans données : le coût de Streamlit seul.")
