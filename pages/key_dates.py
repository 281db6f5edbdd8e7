"""Dates clés: the promotion's calendar (bulletin deadlines, committees, phase ends, the
programme's events, the teams' key dates) for a défi or the whole promotion, week by week,
on a time line, and as an ICS file."""

import datetime as dt

import streamlit as st

from lib import formats, key_dates, ui
from lib.charts.retro import calendar_timeline
from lib.clock import today_local
from lib.i18n import t
from lib.ui import cached

ctx = ui.page("page.key_dates")
actor = ctx.actor
now = ui.now()
today = today_local()


def week_of(monday: dt.date) -> str:
    """« Semaine du 23 novembre » (the year only when it is not this year's); never an ISO code."""
    return formats.week(monday, with_year=monday.year != today.year).capitalize()


scopes = ["promotion"] if ctx.defi is None else ["defi", "promotion"]
c1, c2 = st.columns([1, 2])
scope = c1.radio(t("keydates.scope"), scopes, key="keydates_scope", format_func=lambda s: t(f"keydates.scope.{s}"))
kinds = c2.multiselect(t("calendar.kinds"), key_dates.KINDS, default=key_dates.KINDS, key="calendar_kinds",
                       format_func=lambda k: t(f"calendar.kind.{k}"),
                       placeholder=t("widget.choose_many"), select_all=False)
show_past = st.toggle(t("calendar.show_past"), key="calendar_past")
defi_id = ctx.defi.id if scope == "defi" else None
events = cached(key_dates.calendar)(actor, ctx.promotion.id, defi_id, kinds, now)

ui.download(t("keydates.download_ics"), cached(key_dates.ics)(actor, ctx.promotion.id, now, defi_id, kinds),
            f"calendrier-{ctx.promotion.name}.ics", "calendar_ics", "text/calendar")
st.caption(f"{t('keydates.ics_help')} {t('calendar.ics_help')} {t('calendar.no_feed')}")

this_monday = today - dt.timedelta(days=today.weekday())
shown = events if show_past else events[events["week_start"] >= this_monday]
if shown.empty:
    st.info(t("calendar.empty"))
    st.stop()

st.markdown(f"**{t('keydates.timeline')}**")
ui.chart(calendar_timeline(shown, today), None, "timeline")  # the weeks' tables follow

table = shown.assign(
    when=shown["day"].map(formats.weekday_short),
    time=shown["at"].map(lambda a: formats.time(a) if a is not None and a == a else ""))
# The same widths in every week's table, so the weeks line up down the page.
COLUMNS = {"when": st.column_config.TextColumn(t("calendar.col.day"), width=130),
           "time": st.column_config.TextColumn(t("calendar.col.time"), width=70),
           "kind_label": st.column_config.TextColumn(t("calendar.col.kind"), width=190),
           "defi": st.column_config.TextColumn(t("calendar.col.defi"), width=190),
           "title": st.column_config.TextColumn(t("calendar.col.title"), width="large")}
for monday, week in table.groupby("week_start", sort=True):
    suffix = f" · {t('calendar.this_week')}" if monday == this_monday else ""
    st.header(f"{week_of(monday)}{suffix}")
    ui.table(week[list(COLUMNS)], width="stretch", column_config=COLUMNS,
             key=f"calendar_week_{monday:%Y%m%d}")
