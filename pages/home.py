"""Accueil: what matters to the logged-in user, by role."""

import datetime as dt

import streamlit as st

from lib import portfolio
from lib.charts.home import phase_strip, phase_table
from lib.clock import local_format, today_local
from lib.i18n import t
from lib.programme import MOOD_EMOJI
from lib.ui import cached, context

ctx = context()
actor = ctx.actor
today = today_local()
st.title(t("home.welcome", name=actor.display_name))

if ctx.promotion is None:
    st.info(t("home.no_promotion"))
    st.stop()


def coach_home() -> None:
    overview = cached(portfolio.promotion_overview)(actor, ctx.promotion.id)
    st.subheader(t("home.coach.defis"))
    if overview.empty:
        st.info(t("home.coach.empty"))
        return
    monday = today - dt.timedelta(days=today.weekday())
    filed = int((overview["last_week"] == monday).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(t("home.metric.defis"), len(overview))
    c2.metric(t("home.metric.filed"), f"{filed} / {len(overview)}")
    c3.metric(t("home.metric.help"), int(overview["open_help"].sum()))
    table = overview.assign(last_mood=overview["last_mood"].map(lambda m: MOOD_EMOJI.get(m, "—")))
    st.dataframe(
        table.drop(columns=["id"]), hide_index=True, width="stretch",
        column_config={
            "defi": t("home.col.defi"), "administration": t("home.col.administration"),
            "phase": t("home.col.phase"), "eig": st.column_config.NumberColumn(t("home.col.team")),
            "last_week": st.column_config.DateColumn(t("home.col.last_bulletin"), format="DD/MM/YYYY"),
            "last_mood": t("home.col.last_mood"), "open_help": t("home.col.open_help"),
        })


def member_home() -> None:
    statuses = cached(portfolio.defi_statuses)(actor, ctx.promotion.id)
    if not statuses:
        st.info(t("home.promotion_member", name=ctx.promotion.name) if ctx.promotion else t("home.eig.no_defi"))
        return
    for status in statuses:
        with st.container(border=True):
            st.subheader(f"{status.defi.name}")
            role = t(f"defi_role.{status.defi.my_role}")
            st.caption(f"{status.defi.administration} · {t('home.your_role', role=role)}")
            current = status.current_phase
            st.markdown(f"**{t('home.current_phase')}** : "
                        + (f"{current.number}. {current.name}" if current else t("home.no_current_phase")))
            if status.defi.my_role == "eig":
                deadline = local_format(status.deadline, status.deadline_tz)
                if status.bulletin_filed:
                    st.success(t("home.bulletin_filled", week=status.week_label))
                else:
                    st.warning(t("home.bulletin_missing", week=status.week_label, deadline=deadline))
            if status.phases:
                st.plotly_chart(phase_strip(status.phases, today), key=f"phases_{status.defi.id}",
                                config={"displayModeBar": False})
                with st.expander(t("home.see_data")):
                    st.dataframe(phase_table(status.phases, today), hide_index=True, column_config={
                        "phase": t("col.phase"), "debut": t("col.start"), "fin": t("col.end"),
                        "etat": t("col.state")})


if actor.is_staff:
    coach_home()
else:
    member_home()
