"""Comités d'évaluation: schedule a phase's committee, its notes and decided actions,
the rapport d'évaluation (draft, then published), the phase's validation, the version
history, and the automatically assembled dossier (preview and HTML download)."""

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import streamlit as st

from lib import committees, dossier, formats, phases, ui
from lib.charts import drawn
from lib.clock import today_local
from lib.i18n import t
from lib.models import ActionStatus, ReportStatus
from lib.permissions import Action
from lib.programme import mood_label
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, ReportIn
from lib.ui import cached, submit

TZ = "Europe/Paris"
DATE = "DD/MM/YYYY"
RATINGS = [None, 1, 2, 3, 4]

ctx = ui.page("page.committees")
actor = ctx.actor
today = today_local()
can_write = ctx.may(Action.WRITE_COMMITTEE)

views = cached(phases.defi_phases)(actor, ctx.defi.id, today)
if not views:
    st.info(t("phases.empty"))
    st.stop()


def _rating_label(value: int | None) -> str:
    return t(f"committees.rating.{value}") if value else "—"


def _default_phase() -> int:
    """The phase the committee is about now: the first one not validated that has begun."""
    for index, p in enumerate(views):
        if p.state in ("en_cours", "en_retard"):
            return index
    started = [i for i, p in enumerate(views) if p.planned_start <= today]
    return started[-1] if started else 0


# Keyed by the défi: switching défi in the sidebar must never leave another défi's phase picked.
phase = st.selectbox(t("committees.phase_pick"), views, index=_default_phase(), key=f"committee_phase_{ctx.defi.id}",
                     format_func=lambda p: f"{p.number}. {p.name} · {t(f'phase_state.{p.state}')}",
                     placeholder=t("widget.choose"))
ui.same_defi(ctx.defi, phase)
committee = cached(committees.committee_for_phase)(actor, phase.id, today)


# --- Schedule ---------------------------------------------------------------------------------------


def schedule_form(existing: committees.CommitteeView | None) -> None:
    """Plan the phase's committee or change its time and people: one script run per save
    (ui.save_button), the form keyed by the phase and the version it was opened on."""
    people = {p.id: p for p in cached(committees.defi_people)(actor, ctx.defi.id)}
    local = existing.scheduled_at.astimezone(ZoneInfo(TZ)) if existing else None
    opened = ui.edit("committee_schedule", f"phase{phase.id}", existing.version if existing else None)
    if existing:
        ui.newer_version(opened, lambda: st.text(
            f"{formats.moment(existing.scheduled_at)} · {', '.join(p.name for p in existing.participants)}"))
    field = opened.field
    invited = {p.id for p in existing.participants} if existing else {
        i for i, p in people.items() if p.role in ("eig", "porteur", "coach")}

    def build() -> CommitteeScheduleIn:
        day, hour = opened.value("day"), opened.value("hour")
        return CommitteeScheduleIn(
            scheduled_at=dt.datetime.combine(day, hour, tzinfo=ZoneInfo(TZ)) if day and hour else None,
            participant_ids=list(opened.value("participant_ids") or []), guests=opened.value("guests") or "")

    def save(data: CommitteeScheduleIn) -> object:
        if existing:
            return committees.update_schedule(actor, existing.id, data, opened.expected)
        return committees.schedule_committee(actor, phase.id, data)

    with st.form(opened.key):
        c1, c2 = st.columns(2)
        c1.date_input(t("committees.schedule.date"), value=local.date() if local else phase.planned_end,
                      format=DATE, key=field("day"))
        c2.time_input(t("committees.schedule.time"), value=local.time() if local else dt.time(10, 0),
                      key=field("hour"))
        st.multiselect(t("committees.schedule.participants"), list(people),
                       format_func=lambda i: f"{people[i].name} ({t(f'defi_role.{people[i].role}')})",
                       default=[i for i in people if i in invited], key=field("participant_ids"),
                       placeholder=t("widget.choose_many"), select_all=False)
        st.text_input(t("committees.schedule.guests"), value=existing.guests if existing else "",
                      max_chars=500, help=t("committees.schedule.guests_help"), key=field("guests"))
        label = t("committees.schedule.update") if existing else t("committees.schedule.submit")
        ui.save_button(label, opened, build, save, t("committees.schedule.saved"),
                       labels={"scheduled_at": t("committees.schedule.date"),
                               "participant_ids": t("committees.schedule.participants"),
                               "guests": t("committees.schedule.guests")}, type="primary")


# --- Notes ---------------------------------------------------------------------------------------------


NOTE_LABELS = {"successes": "committees.notes.successes", "difficulties": "committees.notes.difficulties",
               "objectives_rating": "committees.notes.objectives_rating", "orientation": "committees.notes.orientation"}


NOTE_FIELDS = ["successes", "difficulties", "objectives_rating", "orientation",
               *(f"{axis}_{part}" for axis in committees.AXES for part in ("rating", "comment"))]


def notes_form(c: committees.CommitteeView) -> None:
    opened = ui.edit("committee_notes", c.id, c.version)
    ui.newer_version(opened, lambda: notes_read(c))
    field = opened.field
    with st.form(opened.key):
        st.text_area(t("committees.notes.successes"), value=c.successes, max_chars=5000, key=field("successes"))
        st.text_area(t("committees.notes.difficulties"), value=c.difficulties, max_chars=5000,
                     key=field("difficulties"))
        st.selectbox(t("committees.notes.objectives_rating"), RATINGS, index=RATINGS.index(c.objectives_rating),
                     format_func=_rating_label, key=field("objectives_rating"), placeholder=t("widget.choose"))
        st.text_area(t("committees.notes.orientation"), value=c.orientation, max_chars=5000, key=field("orientation"))
        st.markdown(f"**{t('committees.notes.axes')}**")
        for axis in committees.AXES:
            a1, a2 = st.columns([1, 3])
            a1.selectbox(t(f"committees.axis.{axis}"), RATINGS, index=RATINGS.index(getattr(c, f"{axis}_rating")),
                         format_func=_rating_label, key=field(f"{axis}_rating"), help=t(f"committees.axis.{axis}.help"),
                         placeholder=t("widget.choose"))
            a2.text_area(t("committees.notes.axis_comment", axis=t(f"committees.axis.{axis}")),
                         value=getattr(c, f"{axis}_comment"), key=field(f"{axis}_comment"), max_chars=2000, height=80)
        ui.save_button(t("committees.notes.save"), opened,
                       lambda: CommitteeNotesIn(**{name: opened.value(name) for name in NOTE_FIELDS}),
                       lambda d: committees.save_notes(actor, c.id, d, opened.expected), t("committees.notes.saved"),
                       labels={k: t(v) for k, v in NOTE_LABELS.items()}, type="primary")


def notes_read(c: committees.CommitteeView) -> None:
    for field in ("successes", "difficulties", "orientation"):
        st.markdown(f"**{t(NOTE_LABELS[field])}**")
        st.text(getattr(c, field) or "—")
    st.markdown(f"**{t('committees.notes.objectives_rating')}** : {_rating_label(c.objectives_rating)}")
    ui.table([{t("committees.col.axis"): t(f"committees.axis.{a}"),
               t("committees.col.rating"): _rating_label(getattr(c, f"{a}_rating")),
               t("committees.col.comment"): getattr(c, f"{a}_comment")} for a in committees.AXES])


def validation(c: committees.CommitteeView) -> None:
    if c.phase_validated_at:
        st.success(t("phases.validated_on", at=formats.moment(c.phase_validated_at),
                     who=ui.md(phase.validated_by or "—")))
    elif ctx.may(Action.WRITE_PHASES):
        st.caption(t("committees.validate.help"))
        if st.button(t("committees.validate.submit", number=phase.number), key=f"validate_phase_{phase.id}") and submit(
                lambda: None, lambda _: phases.validate_phase(actor, phase.id, c.phase_version)):
            ui.done(t("committees.validate.done", number=phase.number))
    else:
        st.info(t("committees.validate.pending"))


def committee_tab() -> None:
    if committee is None:
        if can_write:
            st.info(t("committees.schedule.none_staff"))
            schedule_form(None)
        else:
            st.info(t("committees.schedule.none"))
        return
    c = committee
    st.markdown(t("committees.scheduled_on", at=formats.moment(c.scheduled_at)))
    names = ui.md(", ".join(p.name for p in c.participants) or "—")
    guests = f" · {t('committees.guests_line', guests=ui.md(c.guests))}" if c.guests else ""
    st.caption(t("committees.participants_line", names=names) + guests)
    if can_write:
        with st.expander(t("committees.schedule.edit")):
            schedule_form(c)
        notes_form(c)
    else:
        notes_read(c)
    st.divider()
    validation(c)


# --- Actions -----------------------------------------------------------------------------------------------


def actions_tab() -> None:
    if committee is None:
        st.info(t("committees.actions.no_committee"))
        return
    actions = committee.actions
    overdue = [a for a in actions if a.overdue]
    if overdue:
        st.warning(t("committees.actions.overdue_count", n=len(overdue)))
    if actions:
        ui.table(committees.actions_table(actions).drop(columns=["id", "defi", "phase"]),
                 column_config={"action": t("dossier.col.action"), "owner": t("dossier.col.owner"),
                                "due_on": st.column_config.DateColumn(t("dossier.col.due"), format=DATE),
                                "status": t("dossier.col.status"), "overdue": t("col.overdue")})
    else:
        st.info(t("committees.actions.empty_staff") if can_write else t("committees.actions.empty"))
    mine = [a for a in actions if a.id in committee.updatable]
    if mine:
        st.markdown(f"**{t('committees.actions.update')}**")
        statuses = list(ActionStatus)
        for a in mine:
            c1, c2, c3 = st.columns([4, 2, 1])
            flag = " ⚠️" if a.overdue else ""
            c1.markdown(f"{ui.md(a.description)} · {ui.md(a.owner)} · {formats.date(a.due_on)}{flag}")
            # Keyed by the version shown: once someone else changes the status, the choice
            # starts again from theirs instead of replacing it unseen.
            choice = c2.selectbox(t("dossier.col.status"), statuses, index=statuses.index(a.status),
                                  format_func=lambda s: t(f"action_status.{s.value}"),
                                  key=f"status_{a.id}_{a.version}", label_visibility="collapsed",
                                  placeholder=t("widget.choose"))
            if c3.button(t("committees.actions.apply"), key=f"apply_{a.id}") and submit(
                    lambda choice=choice: choice,
                    lambda s, a=a: committees.set_action_status(actor, a.id, s, a.version)):
                ui.done(t("committees.actions.status_saved"))
    if can_write:
        owners = {p.id: p for p in cached(committees.action_owners)(actor, ctx.defi.id)}
        adding = ui.new("add_action", committee.id)
        with st.form(adding.key):
            st.markdown(f"**{t('committees.actions.add')}**")
            st.text_input(t("dossier.col.action"), max_chars=500, key=adding.field("description"))
            c1, c2 = st.columns(2)
            c1.selectbox(t("dossier.col.owner"), list(owners), key=adding.field("owner_id"),
                         format_func=lambda i: f"{owners[i].name} ({t(f'committees.owner_role.{owners[i].role}')})",
                         placeholder=t("widget.choose"))
            c2.date_input(t("dossier.col.due"), value=today + dt.timedelta(days=30), format=DATE,
                          key=adding.field("due_on"))
            ui.save_button(t("committees.actions.add_submit"), adding,
                           lambda: CommitteeActionIn(description=adding.value("description") or "",
                                                     owner_id=adding.value("owner_id") or 0,
                                                     due_on=adding.value("due_on")),
                           lambda d: committees.add_action(actor, committee.id, d), t("committees.actions.added"),
                           labels={"description": t("dossier.col.action"), "owner_id": t("dossier.col.owner")})


# --- Report --------------------------------------------------------------------------------------------------


def report_tab() -> None:
    if committee is None:
        st.info(t("committees.report.no_committee"))
        return
    c = committee
    published = c.report_status == ReportStatus.PUBLISHED
    if published:
        st.success(t("committees.report.published_on", at=formats.moment(c.report_published_at)))
    if not c.report_visible:
        st.info(t("committees.report.not_published"))
        return
    if not ctx.may(Action.WRITE_REPORT):
        st.markdown(ui.md(c.report_text or "—"))
        return
    if not published:
        st.info(t("committees.report.draft_help"))
    opened = ui.edit("committee_report", c.id, c.version)
    ui.newer_version(opened, lambda: st.text(c.report_text or "—"))
    # An empty report starts from the notes just written; the coaches edit it from there.
    text = c.report_text or cached(committees.draft_report)(actor, c.id, today)
    if not c.report_text:
        st.caption(t("committees.report.from_notes"))
    with st.form(opened.key):
        st.text_area(t("committees.report.text"), value=text, height=300, max_chars=20000,
                     key=opened.field("text"))
        ui.save_button(t("committees.report.save"), opened, lambda: ReportIn(text=opened.value("text")),
                       lambda d: committees.save_report(actor, c.id, d, opened.expected), t("committees.report.saved"))
    if not published and st.button(t("committees.report.publish"), type="primary",
                                   key=f"publish_report_{c.id}") and submit(
            lambda: None, lambda _: committees.publish_report(actor, c.id, c.version)):
        ui.done(t("committees.report.published"))


# --- Dossier -------------------------------------------------------------------------------------------------


def dossier_tab() -> None:
    d = cached(dossier.committee_dossier)(actor, phase.id)
    figures = cached(drawn.dossier_figures)(actor, ctx.defi.id, phase.id)
    st.caption(t("dossier.intro", start=formats.date(d.start), end=formats.date(d.end)))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("dossier.metric.participation"), f"{d.weeks_filed} / {d.weeks_expected}")
    c2.metric(t("dossier.metric.mood"), f"{formats.decimal(d.mood_average)} / 4" if d.mood_average is not None else "—")
    c3.metric(t("dossier.metric.help"), len(d.help_requests))
    c4.metric(t("dossier.metric.overdue"), d.overdue_actions)

    st.header(t("dossier.section.mood"))
    if d.moods:
        moods = dossier.moods_frame(d)
        ui.chart(figures.mood, lambda: moods.assign(mood=moods["mood"].map(mood_label)),
                 f"dossier_mood_{phase.id}", {"week_start": st.column_config.DateColumn(t("dossier.col.week"),
                                                                                        format=DATE),
                                              "mood": t("dossier.col.mood")})
    else:
        st.info(t("dossier.empty.mood"))

    st.header(t("dossier.section.help"))
    if d.help_requests:
        ui.table([{t("dossier.col.week"): h.week_start, t("dossier.col.request"): h.request,
                   t("dossier.col.status"): t(f"dossier.help.{h.status}"), t("dossier.col.answer"): h.answer}
                  for h in d.help_requests])
    else:
        st.info(t("dossier.empty.help"))

    st.header(t("dossier.section.journal"))
    st.caption(t("dossier.journal_count", n=d.journal_entries))
    if d.categories:
        categories = dossier.categories_frame(d)
        ui.chart(figures.categories, lambda: categories.drop(columns=["category"]),
                 f"dossier_journal_{phase.id}", {"label": t("dossier.col.category"),
                                                 "entries": t("dossier.col.entries"), "good": t("dossier.good"),
                                                 "bad": t("dossier.bad")})
        for sign, key in ((1, "dossier.good_news"), (-1, "dossier.bad_news")):
            items = [n for n in d.news if n.news == sign]
            if items:
                with st.expander(f"{t(key)} ({len(items)})"):
                    for n in items:
                        st.text(f"{formats.date(n.done_on)} · {n.tache}" + (f" ({n.livrable})" if n.livrable else ""))
    else:
        st.info(t("dossier.empty.journal"))

    st.header(t("dossier.section.key_dates"))
    if d.key_dates:
        ui.table([{t("dossier.col.date"): k.on_date, t("dossier.col.description"): k.description}
                  for k in d.key_dates])
    else:
        st.info(t("dossier.empty.key_dates"))

    st.header(t("dossier.section.actions", number=d.previous_phase or "—"))
    if d.previous_actions:
        ui.table(committees.actions_table(d.previous_actions).drop(columns=["id", "defi", "phase"]),
                 column_config={
                     "action": t("dossier.col.action"), "owner": t("dossier.col.owner"),
                     "due_on": st.column_config.DateColumn(t("dossier.col.due"), format=DATE),
                     "status": t("dossier.col.status"), "overdue": t("col.overdue")})
    else:
        st.info(t("dossier.empty.actions"))

    st.header(t("dossier.section.indicators"))
    indicators = dossier.indicators_frame(d)
    if indicators.empty:
        st.info(t("dossier.empty.indicators"))
    else:
        if figures.indicators is not None:
            ui.chart(figures.indicators, None, "dossier_indicators")
        ui.table(indicators.drop(columns=["start_pct", "end_pct"]), column_config={
            "name": t("dossier.col.indicator"), "unit": t("dossier.col.unit"), "target": t("dossier.col.target"),
            "start_on": st.column_config.DateColumn(t("dossier.col.start_on"), format=DATE),
            "start_value": t("dossier.col.start"),
            "end_on": st.column_config.DateColumn(t("dossier.col.end_on"), format=DATE),
            "end_value": t("dossier.col.end"), "delta": t("dossier.col.delta")})

    st.divider()
    if st.button(t("dossier.export.prepare"), key=f"prepare_export_{phase.id}"):
        st.session_state["dossier_html"] = (phase.id, dossier.dossier_html(d))
    prepared = st.session_state.get("dossier_html")
    if prepared and prepared[0] == phase.id:
        ui.download(t("dossier.export.download"), prepared[1],
                    f"dossier-comite-{ctx.defi.name}-phase-{phase.number}.html".replace(" ", "-"),
                    f"download_dossier_{phase.id}", "text/html")


# --- History -------------------------------------------------------------------------------------------------


def history_tab() -> None:
    history = cached(committees.committee_history)(actor, ctx.defi.id)
    st.header(t("committees.history.ratings"))
    if history.empty:
        st.info(t("committees.history.empty"))
    else:
        table = history.drop(columns=["committee_id", "number"]).assign(
            scheduled_at=history["scheduled_at"].map(formats.moment),
            report_status=history["report_status"].map(lambda s: t(f"committees.report_status.{s}")))
        figure = cached(drawn.committee_ratings_figure)(actor, ctx.defi.id)
        ui.chart(figure, table, f"committee_ratings_{ctx.defi.id}", {
            "phase": t("col.phase"), "scheduled_at": t("committees.col.date"),
            "objectives_rating": t("committees.notes.objectives_rating"),
            **{f"{a}_rating": t(f"committees.axis.{a}") for a in committees.AXES},
            "report_status": t("committees.col.report")}, expanded=True)
    st.header(t("committees.history.versions"))
    if committee is None:
        st.info(t("committees.history.no_committee"))
        return
    entries = cached(committees.version_history)(actor, committee.id)
    for n, e in enumerate(entries):
        fields = ", ".join(t(f"committees.field.{c.field}") for c in e.changes) or "—"
        action = t(f"committees.history.action.{e.action}")
        ui.folded(f"{formats.moment(e.at)} · {ui.md(e.who)} · {action} · {fields}", f"version_{committee.id}_{n}",
                  partial(ui.table, [{t("committees.col.field"): t(f"committees.field.{c.field}"),
                                      t("committees.col.before"): "" if c.before is None else str(c.before),
                                      t("committees.col.after"): "" if c.after is None else str(c.after)}
                                     for c in e.changes]))


ui.sections(f"committee_tabs_{phase.id}", {
    t(f"committees.tab.{name}"): render for name, render in [
        ("committee", committee_tab), ("actions", actions_tab), ("report", report_tab), ("dossier", dossier_tab),
        ("history", history_tab)]})
