"""Accueil: what the logged-in user owes, and what needs them, this week (lib/todo.py), then
what matters to them by role."""

import datetime as dt
from functools import partial

import streamlit as st

from lib import audit, bulletins, committees, digest, formats, indicators, portfolio, sponsor, todo, ui
from lib.charts import drawn
from lib.charts.home import phase_table
from lib.clock import day_in_words, due_in_words, today_local
from lib.i18n import t
from lib.phases import progress_table
from lib.programme import mood_label
from lib.ui import cached, indicator_columns, md, phase_metrics

ctx = ui.page("page.home")
actor = ctx.actor
today = today_local()
now = ui.now()


def todo_list(items: list[todo.TodoItem], key: str) -> None:
    """The role's ordered to-do: one line per item, its due date in words, a button to the
    page where it is done (on its défi)."""
    st.header(t("home.todo.title"))
    if not items:
        st.info(t("home.todo.empty"), icon=":material/check_circle:")
        return
    for n, item in enumerate(items):
        with st.container(border=True, key=f"{key}_{n}"):
            text, link = st.columns([4, 1], vertical_alignment="center")
            when = ""
            if item.due is not None:
                words = due_in_words(item.due, now)
                when = f" · :{'red' if item.urgent else 'orange'}[{words}]" if not item.done else f" · {words}"
            elif item.on is not None:
                day = item.on.astimezone(dt.UTC).date() if isinstance(item.on, dt.datetime) else item.on
                when = f" · {day_in_words(day, today)}"
            icon = ":green[:material/check_circle:]" if item.done else ":red[:material/error:]" if item.urgent \
                else ":material/radio_button_unchecked:"
            name = f"**{md(item.defi)}** · " if item.defi else ""
            text.markdown(f"{icon} {name}{item.label}{when}")
            if item.detail:
                text.caption(md(item.detail))
            page = ui.menu_name(ctx, item.page)
            # A risk line opens the portfolio on its défi, a help request the board on its ticket.
            picked = ({"portfolio_defi": item.defi_id} if item.kind == "risk"
                      else {"help_open": item.record_id} if item.kind == "help" else {})
            link.button(page, key=f"{key}_open_{n}", on_click=ui.open_page,
                        args=(ctx, item.page, item.defi_id, item.promotion_id), kwargs=picked, width="stretch",
                        help=t("home.todo.open_help", label=page))


if ctx.admin:
    # Not cached: logins and locks, which they report, do not bump the data version.
    todo_list(todo.admin_todo(actor, now), "todo_admin")
    latest = audit.trail(actor, page_size=audit.LATEST, now=now).events
    if latest:
        with st.expander(t("home.todo.audit_title")):
            for event in latest:  # in the words of the page Historique des actions
                parts = (event.who, event.what, event.subject, event.defi, event.when)
                st.caption(" · ".join(md(part) for part in parts if part))
            st.page_link("pages/audit.py", label=t("home.todo.audit_all"), icon=":material/history:")

if ctx.promotion is None:
    st.info(t("home.no_promotion"))
    st.stop()


def coach_home() -> None:
    if not ctx.admin:
        todo_list(cached(todo.coach_todo)(actor, ctx.promotion.id, now), "todo_coach")
    overview = cached(portfolio.promotion_overview)(actor, ctx.promotion.id)
    st.header(t("home.coach.defis"))
    if overview.empty:
        st.info(t("home.coach.empty"))
        return
    monday = today - dt.timedelta(days=today.weekday())
    filed = int((overview["last_week"] == monday).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(t("home.metric.defis"), len(overview))
    # Until the deadline the week is in progress: its count so far is no participation rate.
    open_week = cached(bulletins.open_week)(actor, ctx.promotion.id, now)
    c2.metric(t("home.metric.filed_in_progress" if open_week else "home.metric.filed"), f"{filed} / {len(overview)}",
              help=t("home.metric.filed_help", deadline=open_week.deadline) if open_week else None)
    c3.metric(t("home.metric.help"), int(overview["open_help"].sum()))
    risk = cached(portfolio.coach_portfolio)(actor, ctx.promotion.id, now)[["id", "level", "level_label"]]
    table = overview.merge(risk, on="id", how="left").assign(
        last_mood=overview["last_mood"].map(mood_label))
    ui.table(
        ui.risk_coloured(table), width="stretch",
        # Fits a 1,280 px screen: the administration is one click away, on the défi's pages.
        column_order=["defi", "level_label", "phase", "eig", "last_week", "last_mood", "open_help"],
        column_config={
            "defi": st.column_config.TextColumn(t("home.col.defi"), width=160),
            "level_label": st.column_config.TextColumn(t("home.col.risk"), width=95),
            "phase": st.column_config.TextColumn(t("home.col.phase"), width=150),
            "eig": st.column_config.NumberColumn(t("home.col.team"), width=60),
            "last_week": st.column_config.DateColumn(t("home.col.last_bulletin"), format="DD/MM/YYYY", width=110),
            "last_mood": st.column_config.TextColumn(t("home.col.last_mood"), width=120),
            "open_help": st.column_config.NumberColumn(t("home.col.open_help"), width=90),
        })


def committee_news(defi_id: int) -> None:
    """The défi's overdue committee actions owned by others (the member's own are in the
    to-do), its latest published report."""
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
    """Porteurs and sponsors: each défi they follow on one screen, its verdict first and what
    is asked of them, and that screen as one printable page they can forward."""
    view = cached(sponsor.my_view)(actor, ctx.promotion.id)
    st.header(t("sponsor.title"))
    ui.download(t("sponsor.download"), lambda: sponsor.view_html(view),
                f"suivi-eig-{ctx.promotion.name}.html".replace(" ", "-"), "sponsor_export", "text/html",
                help=t("sponsor.download_help"), icon=":material/download:")
    figures = cached(drawn.sponsor_figures)(actor, ctx.promotion.id)
    for brief in view.briefs:
        sponsor_card(brief, figures[brief.defi_id])


def sponsor_asks(b: sponsor.DefiBrief) -> None:
    """Only what is asked of the reader: their actions, their committees, a new report."""
    st.markdown(f"**{t('sponsor.section.asks')}**")
    if not b.asks:
        st.caption(t("sponsor.empty.asks"))
    for n, a in enumerate(b.asks):
        line, link = st.columns([6, 1], vertical_alignment="center")
        when = f":red[{md(a.when)}]" if a.overdue else md(a.when)
        line.markdown(f"**{t(f'sponsor.ask.kind.{a.kind}')}** · {md(a.text)} · {when}")
        if a.page:
            link.button(t("sponsor.ask.open"), key=f"sponsor_ask_{b.defi_id}_{n}", type="tertiary",
                        icon=":material/arrow_forward:", help=t("sponsor.ask.open_help"),
                        on_click=ui.open_page, args=(ctx, a.page, b.defi_id))


def sponsor_card(b: sponsor.DefiBrief, figures: drawn.SponsorFigures) -> None:
    with st.container(border=True):
        st.subheader(md(b.defi))
        st.caption(f"{md(b.administration)} · {t('home.your_role', role=t(f'defi_role.{b.my_role.value}'))}")
        {"faible": st.success, "a_surveiller": st.warning, "eleve": st.error}.get(b.verdict.level, st.info)(
            md(b.verdict.text))
        sponsor_asks(b)
        phase_metrics(b.phases, b.current_phase)

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('sponsor.section.timeline')}**")
            if b.phases:
                ui.chart(figures.gantt,
                         lambda: progress_table(b.phases).drop(columns=["objectives_pct", "time_pct"]),
                         f"sponsor_phases_{b.defi_id}", {"phase": t("col.phase"), "done": t("phases.col.done"),
                                                         "total": t("phases.col.total"), "state": t("col.state")})
        with right:
            st.markdown(f"**{t('sponsor.section.mood')}**")
            if figures.mood is not None:
                moods = sponsor.moods_table(b)
                ui.chart(figures.mood,
                         lambda: moods.assign(mood=moods["mood"].map(mood_label)).drop(columns=["week_start"]),
                         f"sponsor_mood_{b.defi_id}", {"week": t("sponsor.col.week"), "clock": t("retro.col.clock"),
                                                       "mood": t("sponsor.col.mood")})
            else:
                st.caption(t("sponsor.empty.mood"))

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('sponsor.section.committee')}**")
            if b.report:
                st.caption(md(sponsor.report_line(b.report)))
                ui.table(sponsor.ratings_table(b.report), column_config={
                    "criterion": t("sponsor.col.criterion"), "rating": t("sponsor.col.rating")})
                with st.expander(t("sponsor.report_text")):
                    st.markdown(md(b.report.text))
            else:
                st.caption(t("sponsor.empty.committee"))
        with right:
            st.markdown(f"**{t('sponsor.section.indicators')}**")
            if b.indicators:
                ui.chart(figures.progress, lambda: indicators.indicators_table(b.indicators).drop(columns=["id"]),
                         f"sponsor_indicators_{b.defi_id}", indicator_columns())
            else:
                st.caption(t("sponsor.empty.indicators"))

        st.markdown(f"**{t('sponsor.section.key_dates')}**")
        if b.key_dates:
            ui.table([k.model_dump() for k in b.key_dates], column_config={
                "on_date": st.column_config.DateColumn(t("keydates.col.date"), format="DD/MM/YYYY"),
                "description": t("keydates.col.description")})
        else:
            st.caption(t("sponsor.empty.key_dates"))


def member_home() -> None:
    statuses = cached(portfolio.defi_statuses)(actor, ctx.promotion.id)
    if not statuses:
        st.info(t("home.promotion_member", name=md(ctx.promotion.name)) if ctx.promotion else t("home.eig.no_defi"))
        return
    if any(s.defi.my_role == "eig" for s in statuses):
        todo_list(cached(todo.eig_todo)(actor, ctx.promotion.id, now), "todo_eig")
    if any(s.defi.my_role in sponsor.FOLLOWERS for s in statuses):
        sponsor_home()
    strips = cached(drawn.member_phase_strips)(actor, ctx.promotion.id, today)
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
            if status.phases:
                ui.chart(strips[status.defi.id], partial(phase_table, status.phases, today),
                         f"member_phases_{status.defi.id}", {"phase": t("col.phase"), "start": t("col.start"),
                                                             "end": t("col.end"), "state": t("col.state")})
            committee_news(status.defi.id)


def recap_email_setting() -> None:
    """The person's own choice, once their promotion's channel carries the weekly recap: the
    recap by email too, or not."""
    choice = cached(digest.recap_email_choice)(actor)
    if not choice.offered:
        return
    wanted = st.toggle(t("home.recap_email"), value=choice.by_email, key="recap_email",
                       help=t("home.recap_email_help"))
    if wanted != choice.by_email and ui.submit(lambda: wanted,
                                               lambda by_email: digest.set_recap_email(actor, by_email)):
        ui.done(t("home.recap_email_on" if wanted else "home.recap_email_off"))


if ctx.staff:
    coach_home()
else:
    member_home()
recap_email_setting()
