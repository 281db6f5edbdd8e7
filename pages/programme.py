"""Indicateurs du programme: EIGs recruited and still in their administration, défis by
pérennisation outcome, ouverture, trainings, per promotion and in total; promotions
compared on the programme clock; and, for coaches, the forms recording those facts."""

import pandas as pd
import streamlit as st

from lib import portfolio, ui
from lib import programme_figures as figures
from lib.charts import drawn
from lib.clock import today_local
from lib.i18n import t
from lib.models import Perennisation
from lib.schemas import DefiFactsIn, TrainingIn
from lib.ui import cached, done, md, submit

ctx = ui.page("page.programme")
actor = ctx.actor
st.caption(t("programme.intro"))
now = ui.now()
per_promotion = cached(figures.promotion_figures)(actor)
if per_promotion.empty:
    st.info(t("programme.no_figures"))
    st.stop()
table = figures.with_total(per_promotion)
COLUMNS = {column: t(f"programme.col.{column}") for column in
           ["promotion", "defis", "eig_recruited", "eig_stayed", "eig_outcome_known", "public_code", "with_datasets",
            "datasets", "with_libraries", "libraries", "trainings", "attendees"]}
OUTCOME_COLUMNS = {o: t(f"programme.outcome.{o}") for o in figures.OUTCOMES}
chosen = ctx.promotion.name if ctx.promotion else None

# --- Key figures of the chosen promotion and of the whole programme ---------------------------


def figures_section() -> None:
    """The figures of the chosen promotion and of all of them, then the défis' outcomes and
    ouverture by promotion."""
    st.header(t("programme.figures"))
    for label, row in [(t("programme.selected", name=md(chosen)), table[table["promotion"] == chosen]),
                       (t("programme.all_promotions"), table.tail(1))]:
        if row.empty:
            continue
        r = row.iloc[0]
        st.markdown(f"**{label}**")
        c1, c2, c3, c4, c5 = st.columns(5)
        c1.metric(t("programme.metric.eig_recruited"), int(r["eig_recruited"]))
        c2.metric(t("programme.metric.eig_stayed"), int(r["eig_stayed"]),
                  help=t("programme.metric.eig_stayed_of", known=int(r["eig_outcome_known"])))
        c3.metric(t("programme.metric.in_production"), f"{int(r['en_production'])} / {int(r['defis'])}")
        c4.metric(t("programme.metric.public_code"), f"{int(r['public_code'])} / {int(r['defis'])}")
        c5.metric(t("programme.metric.trainings"), int(r["trainings"]),
                  help=t("programme.metric.attendees", n=int(r["attendees"])))
    ui.chart(None, table[list(COLUMNS)], "programme_figures", COLUMNS, width="stretch")

    drawn_figures = cached(drawn.programme_figures)(actor)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('programme.outcomes')}**")
        ui.chart(drawn_figures.outcomes, table[["promotion", "defis", *figures.OUTCOMES]],
                 "programme_outcomes", {**COLUMNS, **OUTCOME_COLUMNS}, width="stretch")
    with right:
        st.markdown(f"**{t('programme.ouverture')}**")
        ui.chart(drawn_figures.ouverture, table[["promotion", "defis", "public_code", "with_datasets", "datasets",
                                                 "with_libraries", "libraries"]],
                 "programme_ouverture", COLUMNS, width="stretch")


def trainings_section(promotion: portfolio.PromotionInfo) -> None:
    """The trainings given to the promotion."""
    st.markdown(f"**{t('programme.trainings', name=md(promotion.name))}**")
    given = cached(figures.trainings)(actor, promotion.id)
    if given.empty:
        st.info(t("programme.no_trainings"))
    else:
        ui.table(given, width="stretch", column_config={
            "held_on": st.column_config.DateColumn(t("programme.col.held_on"), format="DD/MM/YYYY"),
            "title": t("programme.col.title"), "attendees": t("programme.col.attendees")})


# --- Promotions compared on the programme clock -----------------------------------------------


@st.fragment
def clock_section() -> None:
    """Promotions compared week by week and phase by phase of the programme. A fragment: its
    choice of mood or participation redraws this section alone (`ui.fragment_actor`: the session
    is checked again)."""
    who = ui.fragment_actor(actor)
    st.header(t("programme.clock"))
    weekly = cached(figures.clock_comparison)(who, now)
    if weekly.empty:
        st.info(t("programme.no_clock"))
        return
    st.caption(t("programme.clock_intro", weeks=int(weekly["programme_week"].max())))
    value = st.radio(t("programme.clock_value"), ["mood", "participation"], horizontal=True, key="programme_value",
                     format_func=lambda v: t(f"programme.clock_value.{v}"))
    columns = {"promotion": COLUMNS["promotion"], "programme_week": t("programme.col.programme_week"),
               "phase": t("programme.col.phase"), "bulletins": t("programme.col.bulletins"),
               "due": t("programme.col.due"), "mood": t("programme.col.mood"),
               "participation": t("programme.col.participation")}
    clock = cached(drawn.clock_figures)(who, now, value, chosen)
    by_week, by_phase = st.columns(2)
    with by_week:
        st.markdown(f"**{t('programme.by_week')}**")
        ui.chart(clock.by_week,
                 lambda: ui.french_numbers(weekly[["promotion", "programme_week", "phase", "bulletins", "mood",
                                                   "participation"]], {"mood": 2}, ["participation"]),
                 "programme_clock", columns, width="stretch")
    with by_phase:
        st.markdown(f"**{t('programme.by_phase')}**")
        ui.chart(clock.by_phase,
                 lambda: ui.french_numbers(figures.by_phase(weekly), {"mood": 2}, ["participation"]),
                 "programme_phases", columns, width="stretch")


# --- Coaches record the facts -----------------------------------------------------------------


def facts_form(promotion: portfolio.PromotionInfo) -> None:
    """Each défi's pérennisation and ouverture, edited in a table."""
    st.markdown(f"**{t('programme.record.facts', name=md(promotion.name))}**")
    facts = cached(figures.defi_facts)(actor, promotion.id)
    outcome_labels = {t(f"programme.outcome.{o.value if o else 'non_renseigne'}"): o for o in [None, *Perennisation]}
    label_of = {o: label for label, o in outcome_labels.items()}
    facts_table = pd.DataFrame([{"id": f.id, "defi": f.defi, "perennisation": label_of[f.perennisation],
                                 "public_code": f.public_code, "published_datasets": f.published_datasets,
                                 "libraries": f.libraries} for f in facts])
    # Keyed by the promotion and the rows' versions: an edit names its row by position, so it must
    # never land on another promotion's défis, nor on a version someone else saved meanwhile.
    edited = st.data_editor(
        facts_table, hide_index=True, width="stretch", disabled=["id", "defi"],
        key=ui.rows_key("facts_editor", promotion.id, [f"{f.id}.{f.version}" for f in facts]),
        column_order=["defi", "perennisation", "public_code", "published_datasets", "libraries"],
        column_config={"defi": t("programme.col.defi"),
                       "perennisation": st.column_config.SelectboxColumn(t("programme.outcomes"),
                                                                         options=list(outcome_labels), required=True),
                       "public_code": st.column_config.CheckboxColumn(t("programme.col.public_code")),
                       "published_datasets": st.column_config.NumberColumn(t("programme.col.datasets"), min_value=0,
                                                                           step=1),
                       "libraries": st.column_config.NumberColumn(t("programme.col.libraries"), min_value=0, step=1)})
    if st.button(t("programme.record.facts_save"), key="facts_save"):
        versions = {f.id: f.version for f in facts}
        changed = edited[(edited != facts_table).any(axis=1)].to_dict("records")
        if not changed:
            st.info(t("programme.record.nothing"))
        elif submit(lambda: {int(r["id"]): (DefiFactsIn(perennisation=outcome_labels[r["perennisation"]],
                                                        public_code=bool(r["public_code"]),
                                                        published_datasets=int(r["published_datasets"] or 0),
                                                        libraries=int(r["libraries"] or 0)), versions[int(r["id"])])
                             for r in changed},
                    lambda changes: figures.record_defi_facts(actor, changes),
                    labels={"published_datasets": t("programme.col.datasets"),
                            "libraries": t("programme.col.libraries")}):
            done(t("programme.record.facts_saved", n=len(changed)))


def outcomes_form(promotion: portfolio.PromotionInfo) -> None:
    """Whether each EIG stayed in their administration, ticked in a table."""
    st.markdown(f"**{t('programme.record.outcomes', name=md(promotion.name))}**")
    st.caption(t("programme.record.outcomes_help"))
    outcomes = cached(figures.eig_outcomes)(actor, promotion.id)
    outcomes_table = pd.DataFrame([{"id": o.membership_id, "eig": o.eig, "defi": o.defi,
                                    "stayed": o.stayed_in_administration} for o in outcomes],
                                  columns=["id", "eig", "defi", "stayed"])
    edited_outcomes = st.data_editor(
        outcomes_table, hide_index=True, width="stretch", disabled=["id", "eig", "defi"],
        key=ui.rows_key("outcomes_editor", promotion.id, [f"{o.membership_id}.{o.version}" for o in outcomes]),
        column_order=["eig", "defi", "stayed"],
        column_config={"eig": t("programme.col.eig"), "defi": t("programme.col.defi"),
                       "stayed": st.column_config.CheckboxColumn(t("programme.col.stayed"))})
    if st.button(t("programme.record.outcomes_save"), key="outcomes_save"):
        versions = {o.membership_id: (o.stayed_in_administration, o.version) for o in outcomes}
        changes = {}
        for r in edited_outcomes.to_dict("records"):
            stayed = None if pd.isna(r["stayed"]) else bool(r["stayed"])
            before, version = versions[int(r["id"])]
            if stayed != before:
                changes[int(r["id"])] = (stayed, version)
        if not changes:
            st.info(t("programme.record.nothing"))
        elif submit(lambda: changes, lambda c: figures.record_eig_outcomes(actor, c)):
            done(t("programme.record.outcomes_saved", n=len(changes)))


def training_form(promotion: portfolio.PromotionInfo) -> None:
    training = ui.new("training", promotion.id)
    with st.form(training.key):
        st.markdown(f"**{t('programme.record.training', name=md(promotion.name))}**")
        c1, c2, c3 = st.columns([1, 3, 1])
        c1.date_input(t("programme.col.held_on"), value=today_local(), format="DD/MM/YYYY",
                      key=training.field("held_on"))
        c2.text_input(t("programme.col.title"), max_chars=200, key=training.field("title"))
        c3.number_input(t("programme.col.attendees"), min_value=0, step=1, value=0, key=training.field("attendees"))
        ui.save_button(t("programme.record.training_save"), training,
                       lambda: ui.typed(TrainingIn, training.key, ["held_on", "title", "attendees"]),
                       lambda data: figures.add_training(actor, promotion.id, data),
                       lambda data, _: t("programme.record.training_saved", title=data.title),
                       labels={"title": t("programme.col.title"), "attendees": t("programme.col.attendees"),
                               "held_on": t("programme.col.held_on")})


figures_section()
if ctx.promotion:
    trainings_section(ctx.promotion)
clock_section()
if not ctx.staff or ctx.promotion is None:
    st.stop()
st.header(t("programme.record"))
facts_form(ctx.promotion)
outcomes_form(ctx.promotion)
training_form(ctx.promotion)
