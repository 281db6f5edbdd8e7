"""Suivi des défis EIG, the application `streamlit run app.py` serves: the pages (the frame,
frame.py, which Streamlit runs for every page) and the app's own HTTP routes (routes/: the
health check, subscribed calendars), behind the same headers."""

import streamlit as st

from routes import MIDDLEWARE, ROUTES

app = st.App("frame.py", routes=ROUTES, middleware=MIDDLEWARE)
