"""Dates clés: upcoming and past key dates of a défi or of the promotion, and the ICS file."""

import streamlit as st

from lib import key_dates, ui
from lib.charts.retro import key_date_timeline
from lib.clock import now_utc, today_local
from lib.i18n import t
from lib.ui import cached, context

ctx = context()
actor = ctx.actor
ui.title(t("page.key_dates"), ctx.defi)
if ctx.promotion is None:
    st.info(t("retro.no_promotion"))
    st.stop()
now = now_utc().replace(second=0, microsecond=0)
today = today_local()

scopes = ["promotion"] if ctx.defi is None else ["defi", "promotion"]
scope = st.radio(t("keydates.scope"), scopes, horizontal=True, key="keydates_scope",
                 format_func=lambda s: t(f"keydates.scope.{s}"))
defi_id = ctx.defi.id if scope == "defi" else None
dates = cached(key_dates.key_dates)(actor, ctx.promotion.id, defi_id, now)

st.download_button(t("keydates.download_ics"), cached(key_dates.ics)(actor, ctx.promotion.id, now),
                   file_name=f"dates-cles-{ctx.promotion.name}.ics", mime="text/calendar")
st.caption(t("keydates.ics_help"))

if dates.empty:
    st.info(t("keydates.empty"))
    st.stop()

COLUMNS = {"on_date": st.column_config.DateColumn(t("keydates.col.date"), format="DD/MM/YYYY"),
           "defi": t("keydates.col.defi"), "description": t("keydates.col.description")}
st.markdown(f"**{t('keydates.timeline')}**")
st.plotly_chart(key_date_timeline(dates, today), key="timeline", config={"displayModeBar": False})
upcoming, past = st.tabs([t("keydates.upcoming"), t("keydates.past")])
with upcoming:
    rows = dates[dates["upcoming"]]
    st.dataframe(rows[["on_date", "defi", "description"]], hide_index=True, width="stretch", column_config=COLUMNS)
with past:
    rows = dates[~dates["upcoming"]].sort_values("on_date", ascending=False)
    st.dataframe(rows[["on_date", "defi", "description"]], hide_index=True, width="stretch", column_config=COLUMNS)
