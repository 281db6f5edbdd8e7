"""Mon carnet: an EIG writes their monthly carnet and reads their history; coaches read
the carnets of the selected défi's EIGs and see who has not written this month's.
Private: the services refuse everyone else, whatever this page shows."""

from functools import partial

import streamlit as st

from lib import carnets, formats, ui
from lib.charts import drawn
from lib.i18n import t
from lib.permissions import Action
from lib.schemas import CarnetIn
from lib.ui import cached, md

ctx = ui.page("page.carnet")
actor = ctx.actor
defi = ctx.defi
TEXTS = ["objectifs", "besoins", "apprentissages", "trajectoire"]
LABELS = {name: t(f"carnet.{name}") for name in TEXTS}


def month_label(month) -> str:  # noqa: ANN001 - date
    return formats.month(month)


def show_carnet(carnet: carnets.CarnetView) -> None:
    for name in TEXTS:
        st.markdown(f"**{LABELS[name]}**")
        st.text(getattr(carnet, name) or "—")
    if carnet.ratings:
        ui.table([{"competence": c, "note": r} for c, r in carnet.ratings.items()],
                 column_config={"competence": t("carnet.chart.competency"), "note": t("carnet.chart.rating")})


def history(user_id: int) -> None:
    written = cached(carnets.carnets_of)(actor, defi.id, user_id)
    if not written:
        st.info(t("carnet.history_empty"))
        return
    figure = cached(drawn.ratings_figure)(actor, defi.id, user_id)
    if figure is not None:
        st.header(t("carnet.chart.ratings"))
        ratings = partial(cached(carnets.ratings_history), actor, defi.id, user_id)
        ui.chart(figure, ratings, f"carnet_ratings_{user_id}", {
            "month": st.column_config.DateColumn(t("carnet.month"), format="MM/YYYY"),
            "phase": t("col.phase"), "competency": t("carnet.chart.competency"), "rating": t("carnet.chart.rating")})
    for carnet in written:
        with st.expander(t("carnet.month_label", month=month_label(carnet.month))):
            show_carnet(carnet)


def write_tab() -> None:
    months = cached(carnets.months_to_write)(actor, defi.id, ui.now())
    if not months:
        st.info(t("carnet.not_started"))
        return
    month = st.selectbox(t("carnet.month"), months, format_func=month_label, key=f"carnet_month_{defi.id}",
                         placeholder=t("widget.choose")) \
        if len(months) > 1 else months[0]
    form = cached(carnets.carnet_form)(actor, defi.id, month)
    existing = form.existing
    if existing:
        st.success(t("carnet.written", month=month_label(month)))
    else:
        st.warning(t("carnet.not_written", month=month_label(month)))
    st.caption(t("carnet.editable_until", day=formats.date(form.editable_until)))
    opened = ui.edit("carnet", f"{defi.id}_{actor.id}_{month}", existing.version if existing else None)
    ui.newer_version(opened, lambda: show_carnet(existing))
    with st.form(opened.key):
        for name in TEXTS:
            st.text_area(LABELS[name], getattr(existing, name) if existing else "", max_chars=2000,
                         key=opened.field(name))
        if form.competencies:
            st.markdown(t("carnet.phase", number=form.phase_number, name=md(form.phase_name)))
            for competency in form.competencies:
                current = existing.ratings.get(competency) if existing else None
                st.radio(md(competency), [1, 2, 3, 4], None if current is None else current - 1, horizontal=True,
                         key=opened.field(f"rating_{competency}"))
        else:
            st.caption(t("carnet.no_phase"))

        def typed() -> CarnetIn:
            ratings = {c: opened.value(f"rating_{c}") for c in form.competencies}
            return CarnetIn(**{name: opened.value(name) for name in TEXTS},
                            ratings={c: r for c, r in ratings.items() if r is not None})

        ui.save_button(t("carnet.save"), opened, typed,
                       lambda data: carnets.save_carnet(actor, defi.id, month, data, opened.expected),
                       t("carnet.saved", month=month_label(month)), labels=LABELS, type="primary")


def eig_page() -> None:
    st.caption(t("carnet.private"))
    ui.sections(f"carnet_tabs_{defi.id}", {t("carnet.tab.write"): write_tab,
                                           t("carnet.tab.history"): lambda: history(actor.id)})


def coach_page() -> None:
    status = cached(carnets.team_status)(actor, defi.id)
    st.header(t("carnet.coach.team"))
    if status.empty:
        st.info(t("carnet.coach.no_eig"))
    else:
        missing = status.loc[status["owes_this_month"] & ~status["written_this_month"], "eig"].tolist()
        if missing:
            st.warning(t("carnet.coach.missing", names=md(", ".join(missing))))
        else:
            st.success(t("carnet.coach.all_written"))
        ui.table(status.drop(columns=["user_id", "owes_this_month"]), column_config={
            "eig": t("carnet.coach.col.eig"),
            "written_this_month": st.column_config.CheckboxColumn(t("carnet.coach.col.written")),
            "carnets": t("carnet.coach.col.carnets")})
        people = dict(zip(status["user_id"], status["eig"], strict=True))
        picked = st.selectbox(t("carnet.coach.pick"), list(people), format_func=people.get, key=f"carnet_eig_{defi.id}",
                              placeholder=t("widget.choose"))
        history(int(picked))
    if ctx.promotion:
        with st.expander(t("carnet.coach.promotion_missing")):
            everyone = cached(carnets.missing_this_month)(actor, ctx.promotion.id)
            ui.table(everyone, column_config={"defi": t("carnet.coach.col.defi"), "eig": t("carnet.coach.col.eig")})


# The gate let in those who read carnets: the EIGs write theirs, the coaches read everyone's.
if ctx.may(Action.WRITE_CARNET):
    eig_page()
else:
    coach_page()
