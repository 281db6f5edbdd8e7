"""Accueil: what matters to the logged-in user, by role."""

import datetime as dt

import streamlit as st

from lib import committees, formats, indicators, portfolio, sponsor, ui
from lib.charts.home import phase_strip, phase_table
from lib.charts.indicators import progress_chart
from lib.charts.phases import defi_gantt
from lib.charts.retro import mood_line
from lib.clock import local_format, today_local
from lib.i18n import t
from lib.phases import progress_table
from lib.programme import MOOD_EMOJI
from lib.ui import cached, context, indicator_columns, md, phase_metrics

ctx = context()
actor = ctx.actor
today = today_local()
st.title(t("home.welcome", name=md(actor.display_name)))

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


def coach_overdue_actions() -> None:
    """Committee actions past their due date, across the promotion."""
    overdue = cached(committees.overdue_actions)(actor, ctx.promotion.id, today)
    st.subheader(t("home.committees.coach_overdue"))
    if not overdue:
        st.caption(t("home.committees.coach_overdue_none"))
        return
    st.dataframe(committees.actions_table(overdue).drop(columns=["id", "status"]), hide_index=True, width="stretch",
                 column_config={"defi": t("home.col.defi"), "phase": t("col.phase"),
                                "action": t("dossier.col.action"), "owner": t("dossier.col.owner"),
                                "due_on": st.column_config.DateColumn(t("dossier.col.due"), format="DD/MM/YYYY"),
                                "overdue": t("col.overdue")})


def committee_news(defi_id: int, role: str | None) -> None:
    """The member's open committee actions, the défi's overdue ones, its latest published report."""
    if role in ("eig", "porteur"):
        mine = [a for a in cached(committees.my_open_actions)(actor, today) if a.defi_id == defi_id]
        st.markdown(f"**{t('home.committees.my_actions')}**")
        if not mine:
            st.caption(t("home.committees.no_actions"))
        for a in mine:
            line = t("home.committees.action_line", description=md(a.description), due=formats.date(a.due_on))
            (st.error if a.overdue else st.info)(line + (f" · {t('home.committees.overdue')}" if a.overdue else ""))
    others = [a for a in cached(committees.defi_actions)(actor, defi_id, today, True)
              if a.overdue and a.owner_id != actor.id]
    if others:
        st.warning(t("home.committees.defi_overdue") + " : " + " ; ".join(
            f"{md(a.description)} ({md(a.owner)}, {formats.date(a.due_on)})" for a in others))
    report = cached(committees.latest_published_report)(actor, defi_id)
    if report is None:
        st.caption(t("home.committees.no_report"))
        return
    with st.expander(t("home.committees.latest_report", number=report.phase_number, name=md(report.phase_name),
                       at=formats.date(report.published_at)), expanded=True):
        st.markdown(md(report.text))


def sponsor_home() -> None:
    """Porteurs and sponsors: each défi they follow on one screen, and that screen as one
    HTML page they can forward."""
    view = cached(sponsor.my_view)(actor, ctx.promotion.id)
    st.subheader(t("sponsor.title"))
    st.download_button(t("sponsor.download"), data=lambda: sponsor.view_html(view), mime="text/html",
                       file_name=f"suivi-eig-{ctx.promotion.name}.html".replace(" ", "-"), on_click="ignore",
                       help=t("sponsor.download_help"), icon=":material/download:", key="sponsor_export")
    for brief in view.briefs:
        sponsor_card(brief)


def sponsor_card(b: sponsor.DefiBrief) -> None:
    with st.container(border=True):
        st.subheader(md(b.defi))
        st.caption(f"{md(b.administration)} · {t('home.your_role', role=t(f'defi_role.{b.my_role.value}'))}")
        phase_metrics(b.phases, b.current_phase)

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('sponsor.section.timeline')}**")
            if b.phases:
                st.plotly_chart(defi_gantt(b.phases, b.today), key=f"sponsor_gantt_{b.defi_id}",
                                config={"displayModeBar": False})
                if panel := ui.see_data(f"sponsor_phases_{b.defi_id}", t("home.see_data")):
                    with panel:
                        st.dataframe(progress_table(b.phases).drop(columns=["objectifs", "temps"]), hide_index=True,
                                     column_config={"phase": t("col.phase"), "faits": t("phases.col.done"),
                                                    "total": t("phases.col.total"), "etat": t("col.state")})
        with right:
            st.markdown(f"**{t('sponsor.section.mood')}**")
            moods = sponsor.moods_table(b)
            if moods["mood"].notna().any():
                st.plotly_chart(mood_line(moods), key=f"sponsor_mood_{b.defi_id}", config={"displayModeBar": False})
                if panel := ui.see_data(f"sponsor_mood_{b.defi_id}", t("home.see_data")):
                    with panel:
                        st.dataframe(moods.assign(mood=moods["mood"].map(sponsor.mood_label)).drop(columns=["week_start"]),
                                     hide_index=True, column_config={"week": t("sponsor.col.week"),
                                                                     "clock": t("retro.col.clock"),
                                                                     "mood": t("sponsor.col.mood")})
            else:
                st.caption(t("sponsor.empty.mood"))

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('sponsor.section.committee')}**")
            if b.report:
                st.caption(md(sponsor.report_line(b.report)))
                st.dataframe(sponsor.ratings_table(b.report), hide_index=True, column_config={
                    "criterion": t("sponsor.col.criterion"), "rating": t("sponsor.col.rating")})
                with st.expander(t("sponsor.report_text")):
                    st.markdown(md(b.report.text))
            else:
                st.caption(t("sponsor.empty.committee"))
        with right:
            st.markdown(f"**{t('sponsor.section.indicators')}**")
            table = indicators.indicators_table(b.indicators)
            if table["progress"].notna().any():
                st.plotly_chart(progress_chart(table), key=f"sponsor_indicators_{b.defi_id}",
                                config={"displayModeBar": False})
            if b.indicators:
                if panel := ui.see_data(f"sponsor_indicators_{b.defi_id}", t("home.see_data")):
                    with panel:
                        st.dataframe(table.drop(columns=["id"]), hide_index=True, column_config=indicator_columns())
            else:
                st.caption(t("sponsor.empty.indicators"))

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('sponsor.section.key_dates')}**")
            if b.key_dates:
                st.dataframe([k.model_dump() for k in b.key_dates], hide_index=True, column_config={
                    "on_date": st.column_config.DateColumn(t("keydates.col.date"), format="DD/MM/YYYY"),
                    "description": t("keydates.col.description")})
            else:
                st.caption(t("sponsor.empty.key_dates"))
        with right:
            st.markdown(f"**{t('sponsor.section.needs')}**")
            for n in b.needs:  # the request and the action are user text: shown as plain text
                with st.container(border=True):
                    st.markdown(f"**{t(f'sponsor.need.{n.kind}')}**"
                                + (f" · :red[{t('home.committees.overdue')}]" if n.overdue else ""))
                    st.text(n.text)
                    st.caption(md(n.detail))
            if not b.needs:
                st.caption(t("sponsor.empty.needs"))


def member_home() -> None:
    statuses = cached(portfolio.defi_statuses)(actor, ctx.promotion.id)
    if not statuses:
        st.info(t("home.promotion_member", name=md(ctx.promotion.name)) if ctx.promotion else t("home.eig.no_defi"))
        return
    if any(s.defi.my_role in sponsor.FOLLOWERS for s in statuses):
        sponsor_home()
    for status in statuses:
        if status.defi.my_role in sponsor.FOLLOWERS:
            continue
        with st.container(border=True):
            st.subheader(md(status.defi.name))
            role = t(f"defi_role.{status.defi.my_role}")
            st.caption(f"{md(status.defi.administration)} · {t('home.your_role', role=role)}")
            current = status.current_phase
            st.markdown(f"**{t('home.current_phase')}** : "
                        + (f"{current.number}. {md(current.name)}" if current else t("home.no_current_phase")))
            if status.defi.my_role == "eig":
                deadline = local_format(status.deadline, status.deadline_tz)
                if status.bulletin_filed:
                    st.success(t("home.bulletin_filled", week=status.week_label))
                else:
                    st.warning(t("home.bulletin_missing", week=status.week_label, deadline=deadline))
            if status.phases:
                st.plotly_chart(phase_strip(status.phases, today), key=f"phases_{status.defi.id}",
                                config={"displayModeBar": False})
                if panel := ui.see_data(f"member_phases_{status.defi.id}", t("home.see_data")):
                    with panel:
                        st.dataframe(phase_table(status.phases, today), hide_index=True, column_config={
                            "phase": t("col.phase"), "debut": t("col.start"), "fin": t("col.end"),
                            "etat": t("col.state")})
            committee_news(status.defi.id, status.defi.my_role)


if actor.is_staff:
    coach_home()
    coach_overdue_actions()
else:
    member_home()
