"""Phases: where the défi stands (timeline, progress), each phase's objectives to tick,
shifts by a coach, the promotion-wide timeline and the phase framework."""

from functools import partial

import streamlit as st

from lib import formats, phases, ui
from lib.charts import drawn
from lib.clock import today_local
from lib.i18n import t
from lib.permissions import Action
from lib.schemas import ObjectiveIn, PhaseShiftIn, PhaseTemplateIn
from lib.ui import cached, done, md, phase_metrics, submit

ctx = ui.page("page.phases")
actor = ctx.actor
today = today_local()
can_tick = ctx.may(Action.TICK_OBJECTIVE)
can_edit = ctx.may(Action.WRITE_PHASES)
DATE = "DD/MM/YYYY"


def summary(views: list) -> None:
    """Where the défi stands, readable in one minute."""
    current = next((p for p in views if p.state in ("en_cours", "en_retard")), None)
    upcoming = next((p for p in views if p.committee_at and p.state != "validee"), None)
    phase_metrics(views, current)
    if upcoming:
        st.caption(t("phases.next_committee", number=upcoming.number, at=formats.moment(upcoming.committee_at)))
    late = [p for p in views if p.state == "en_retard"]
    for p in late:
        st.warning(t("phases.late_warning", number=p.number, name=md(p.name), end=formats.date(p.planned_end)))


def objectives_form(p) -> None:  # noqa: ANN001 - PhaseView
    if not p.objectives:
        st.info(t("phases.objectives.empty_staff") if can_edit else t("phases.objectives.empty"))
        return
    with st.form(f"objectives_{p.id}"):
        ticks = {}
        for o in p.objectives:
            help_text = (t("phases.objectives.done_by", who=md(o.done_by or "—"), at=formats.moment(o.done_at))
                         if o.done and o.done_at else None)
            # Keyed by the version shown: a tick saved meanwhile by someone else shows, instead of
            # being replaced unseen by this form's box.
            ticks[o.id] = st.checkbox(md(o.label), value=o.done, key=f"obj_{o.id}_{o.version}", disabled=not can_tick,
                                      help=help_text)
        if can_tick and st.form_submit_button(t("phases.objectives.save")):
            changed = {o.id: (ticks[o.id], o.version) for o in p.objectives if ticks[o.id] != o.done}
            if changed and submit(lambda: changed, lambda c: phases.tick_objectives(actor, c)):
                done(t("phases.objectives.saved_n", n=len(changed)))


SHIFT_FIELDS = ["start", "end", "reason", "cascade"]


def staff_tools(p) -> None:  # noqa: ANN001 - PhaseView
    adding = ui.new("add_objective", p.id)
    with st.form(adding.key):
        st.text_input(t("phases.objectives.new"), max_chars=300, key=adding.field("label"))
        ui.save_button(t("phases.objectives.add"), adding, lambda: ui.typed(ObjectiveIn, adding.key, ["label"]),
                       lambda data: phases.add_objective(actor, p.id, data), t("phases.objectives.added"),
                       labels={"label": t("phases.objectives.new")})
    if p.state == "validee":
        return
    opened = ui.edit("phase_shift", p.id, p.version)
    ui.newer_version(opened, lambda: st.text(f"{formats.date(p.planned_start)} → {formats.date(p.planned_end)} · "
                                             f"{p.shift_reason or '—'}"))
    with st.form(opened.key):
        st.markdown(f"**{t('phases.shift.title')}**")
        c1, c2 = st.columns(2)
        c1.date_input(t("col.start"), value=p.planned_start, format=DATE, key=opened.field("start"))
        c2.date_input(t("col.end"), value=p.planned_end, format=DATE, key=opened.field("end"))
        st.text_input(t("phases.shift.reason"), value=p.shift_reason, max_chars=500, key=opened.field("reason"))
        st.checkbox(t("phases.shift.cascade"), value=True, key=opened.field("cascade"))
        # A cascade moves the later phases too: their forms open again on what it saved (ui.save_button).
        ui.save_button(t("phases.shift.submit"), opened, lambda: ui.typed(PhaseShiftIn, opened.key, SHIFT_FIELDS),
                       lambda data: phases.shift_phase(actor, p.id, data, opened.expected), t("phases.shift.saved"),
                       labels={"reason": t("phases.shift.reason"), "start": t("col.start"), "end": t("col.end")})


def defi_tab() -> None:
    views = cached(phases.defi_phases)(actor, ctx.defi.id, today)
    if not views:
        st.info(t("phases.empty"))
        return
    summary(views)
    st.header(t("phases.timeline"))
    st.caption(t("phases.timeline.legend"))
    figures = cached(drawn.defi_phase_figures)(actor, ctx.defi.id, today)
    ui.chart(figures.gantt, lambda: [{
        t("col.phase"): f"{p.number}. {p.name}",
        t("phases.col.planned"): f"{formats.date(p.template_start)} → {formats.date(p.template_end)}",
        t("phases.col.actual"): f"{formats.date(p.planned_start)} → {formats.date(p.planned_end)}",
        t("col.state"): t(f"phase_state.{p.state}"),
        t("phases.col.committee"): formats.moment(p.committee_at) if p.committee_at else "—",
        t("phases.col.shift_reason"): p.shift_reason} for p in views], f"gantt_{ctx.defi.id}")
    st.header(t("phases.progress"))
    ui.chart(figures.progress, partial(phases.progress_table, views), f"progress_{ctx.defi.id}", {
        "phase": t("col.phase"), "objectives_pct": t("phases.col.objectives_pct"), "time_pct": t("phases.col.time_pct"),
        "done": t("phases.col.done"), "total": t("phases.col.total"), "state": t("col.state")})

    st.header(t("phases.details"))
    for p in views:
        title = f"{p.number}. {md(p.name)} · {t(f'phase_state.{p.state}')}"
        with st.expander(title, expanded=p.state in ("en_cours", "en_retard")):
            if p.summary:
                st.caption(md(p.summary))
            st.markdown(t("phases.window", start=formats.date(p.planned_start), end=formats.date(p.planned_end)))
            if p.shifted:
                st.caption(t("phases.shifted", start=formats.date(p.template_start), end=formats.date(p.template_end),
                             reason=md(p.shift_reason or "—")))
            if p.validated_at:
                st.success(t("phases.validated_on", at=formats.moment(p.validated_at), who=md(p.validated_by or "—")))
            if p.eig_competencies or p.porteur_competencies:
                st.markdown(t("phases.competencies.eig", items=md(", ".join(p.eig_competencies) or "—")))
                st.markdown(t("phases.competencies.porteur", items=md(", ".join(p.porteur_competencies) or "—")))
            st.markdown(f"**{t('phases.objectives.title')}**")
            objectives_form(p)
            if can_edit:
                staff_tools(p)


def promotion_tab() -> None:
    timeline = cached(phases.promotion_timeline)(actor, ctx.promotion.id, today)
    if timeline.empty:
        st.info(t("phases.promotion.empty"))
        return
    ui.chart(cached(drawn.promotion_timeline_figure)(actor, ctx.promotion.id, today), lambda: timeline.assign(
        state=timeline["state"].map(lambda s: t(f"phase_state.{s}"))).drop(columns=["defi_id", "number"]),
        "promotion_timeline", {"defi": t("home.col.defi"), "phase": t("col.phase"),
                               "start": st.column_config.DateColumn(t("col.start"), format=DATE),
                               "end": st.column_config.DateColumn(t("col.end"), format=DATE), "state": t("col.state"),
                               "shifted": t("phases.col.shifted")})


def template_form(tp: phases.TemplateInfo) -> None:
    opened = ui.edit("phase_template", tp.id, tp.version)
    ui.newer_version(opened, lambda: st.text(f"{tp.name} · {t('phases.templates.months', n=tp.months)}\n{tp.summary}"))
    field = opened.field

    def lines(name: str) -> list[str]:
        return [x for x in (opened.value(name) or "").splitlines() if x.strip()]

    def build() -> PhaseTemplateIn:
        return PhaseTemplateIn(name=opened.value("name"), summary=opened.value("summary"),
                               months=int(opened.value("months")), eig_competencies=lines("eig"),
                               porteur_competencies=lines("porteur"))

    with st.form(opened.key):
        st.text_input(t("phases.templates.name"), value=tp.name, max_chars=120, key=field("name"))
        st.text_input(t("phases.templates.summary"), value=tp.summary, max_chars=300, key=field("summary"))
        st.number_input(t("phases.templates.months_label"), min_value=1, max_value=24, value=tp.months, step=1,
                        key=field("months"))
        st.text_area(t("phases.templates.eig"), value="\n".join(tp.eig_competencies), key=field("eig"))
        st.text_area(t("phases.templates.porteur"), value="\n".join(tp.porteur_competencies), key=field("porteur"))
        ui.save_button(t("admin.save"), opened, build,
                       lambda data: phases.update_template(actor, tp.id, data, opened.expected),
                       lambda _, replanned: t("phases.templates.saved", n=replanned),
                       labels={"name": t("phases.templates.name"), "months": t("phases.templates.months_label")})


def templates_tab() -> None:
    st.caption(t("phases.templates.help"))
    for tp in cached(phases.list_templates)(actor, ctx.promotion.id):
        ui.folded(f"{tp.number}. {md(tp.name)} ({t('phases.templates.months', n=tp.months)})", f"template_{tp.id}",
                  partial(template_form, tp))


ui.sections(f"phases_tabs_{ctx.defi.id}", {t("phases.tab.defi", name=md(ctx.defi.name)): defi_tab,
                                          t("phases.tab.promotion"): promotion_tab,
                                          **({t("phases.tab.templates"): templates_tab} if ctx.staff else {})})
