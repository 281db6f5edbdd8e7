"""One plotly express chart."""

import pandas as pd
import plotly.express as px
import streamlit as st

st.title("Graphique")
data = pd.DataFrame({"semaine": list(range(1, 51)) * 3, "défi": [d for d in "ABC" for _ in range(50)],
                     "humeur": [(n * 7) % 5 for n in range(150)]})
st.plotly_chart(px.line(data, x="semaine", y="humeur", color="défi"))
