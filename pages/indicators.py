"""Indicateurs: the selected défi's indicators by theme, each charted against its target and
baseline with its data; the team and the coaches add indicators and measurements here."""

from functools import partial

import streamlit as st

from lib import formats, indicators, ui
from lib.charts import drawn
from lib.clock import today_local
from lib.documents import fmt_value
from lib.i18n import t
from lib.indicators import THEMES, IndicatorView
from lib.schemas import IndicatorIn, MeasurementIn
from lib.ui import cached, indicator_columns, md

ctx = ui.page("page.indicators")
actor = ctx.actor
today = today_local()
defi = ctx.defi
data = cached(indicators.defi_indicators)(actor, defi.id)
figures = cached(drawn.indicator_figures)(actor, defi.id)
can_edit = data.can_edit
DATE = "DD/MM/YYYY"
INDICATOR_LABELS = {"theme": t("indicators.col.theme"), "name": t("indicators.col.name"),
                    "unit": t("indicators.col.unit"), "baseline": t("indicators.col.baseline"),
                    "target": t("indicators.col.target")}
MEASUREMENT_LABELS = {"measured_on": t("indicators.col.date"), "value": t("indicators.col.value")}
MEASUREMENT_WORDS = {"confirm": t("indicators.form.confirm_delete_measurement"),
                     "save": t("indicators.form.save_measurement"), "saved": t("indicators.measurement_updated"),
                     "delete": t("indicators.form.delete_measurement"), "deleted": t("indicators.measurement_deleted"),
                     "unconfirmed": t("indicators.delete_unconfirmed")}


def indicator_words(name: str) -> dict[str, str]:
    """The texts of an indicator's edit form (ui.save_or_delete)."""
    return {"confirm": t("indicators.form.confirm_delete"), "save": t("indicators.form.save"),
            "saved": t("indicators.updated", name=name), "delete": t("indicators.form.delete"),
            "deleted": t("indicators.deleted", name=name), "unconfirmed": t("indicators.delete_unconfirmed")}
st.caption(t("indicators.intro", defi=md(defi.name)))


def indicator_form(key: str, current: IndicatorView | None) -> None:
    """The fields of an indicator, keyed under `key` (empty for a new one)."""
    st.selectbox(t("indicators.col.theme"), THEMES, THEMES.index(current.theme) if current else 0,
                 format_func=lambda th: t(f"indicators.theme.{th.value}"), key=f"{key}_theme",
                 placeholder=t("widget.choose"))
    st.text_input(t("indicators.col.name"), current.name if current else "", max_chars=200, key=f"{key}_name",
                  placeholder=t("indicators.form.name_placeholder"))
    st.text_input(t("indicators.col.unit"), current.unit if current else "", max_chars=40, key=f"{key}_unit",
                  placeholder=t("indicators.form.unit_placeholder"))
    c1, c2 = st.columns(2)
    c1.number_input(t("indicators.col.baseline"), value=current.baseline if current else None,
                    key=f"{key}_baseline", help=t("indicators.form.baseline_help"), format="%g")
    c2.number_input(t("indicators.col.target"), value=current.target if current else None,
                    key=f"{key}_target", help=t("indicators.form.target_help"), format="%g")


INDICATOR_FIELDS = ["theme", "name", "unit", "baseline", "target"]
MEASUREMENT_FIELDS = ["measured_on", "value"]


def edit_tools(i: IndicatorView) -> None:
    """A new measurement, then (folded) changes to the indicator and its measurements."""
    measuring = ui.new("measure", i.id)
    with st.form(measuring.key):
        st.markdown(f"**{t('indicators.form.new_measurement')}**")
        c1, c2, c3 = st.columns([2, 2, 1.4], vertical_alignment="bottom")
        c1.date_input(t("indicators.col.date"), today, max_value=today, format=DATE,
                      key=measuring.field("measured_on"))
        c2.number_input(t("indicators.col.value") + (f" ({md(i.unit)})" if i.unit else ""), value=None,
                        key=measuring.field("value"), format="%g")
        with c3:
            ui.save_button(t("indicators.form.add_measurement"), measuring,
                           lambda: ui.typed(MeasurementIn, measuring.key, MEASUREMENT_FIELDS),
                           lambda m: indicators.add_measurement(actor, i.id, m),
                           t("indicators.measurement_added", name=i.name), labels=MEASUREMENT_LABELS, type="primary")

    ui.folded(t("indicators.form.edit", name=md(i.name)), f"edit_indicator_{i.id}", partial(edit_forms, i))


def edit_forms(i: IndicatorView) -> None:
    """The indicator's own form, then its measurements' (built only while their panel is open)."""
    opened = ui.edit("indicator", i.id, i.version)
    ui.newer_version(opened, lambda: st.text(f"{i.name} · {i.unit} · {fmt_value(i.baseline, i.unit)} → "
                                             f"{fmt_value(i.target, i.unit)}"))
    with st.form(opened.key):
        indicator_form(opened.key, i)
        ui.save_or_delete(opened, lambda: ui.typed(IndicatorIn, opened.key, INDICATOR_FIELDS),
                          lambda d, version: indicators.update_indicator(actor, i.id, d, version),
                          lambda version: indicators.delete_indicator(actor, i.id, version),
                          indicator_words(i.name), INDICATOR_LABELS)

    if not i.measurements:
        return
    by_id = {m.id: m for m in i.measurements}
    picked = by_id[st.selectbox(t("indicators.form.pick_measurement"), list(reversed(by_id)),
                                key=f"pick_{i.id}",
                                format_func=lambda m: f"{formats.date(by_id[m].measured_on)} · "
                                                      f"{formats.number(by_id[m].value)}",
                                                      placeholder=t("widget.choose"))]
    measured = ui.edit("measurement", picked.id, picked.version)
    ui.newer_version(measured,
                     lambda: st.text(f"{formats.date(picked.measured_on)} · {fmt_value(picked.value, i.unit)}"))
    with st.form(measured.key):
        c1, c2 = st.columns(2)
        c1.date_input(t("indicators.col.date"), picked.measured_on, max_value=today, format=DATE,
                      key=measured.field("measured_on"))
        c2.number_input(t("indicators.col.value"), value=picked.value, format="%g", key=measured.field("value"))
        ui.save_or_delete(measured, lambda: ui.typed(MeasurementIn, measured.key, MEASUREMENT_FIELDS),
                          lambda d, version: indicators.update_measurement(actor, picked.id, d, version),
                          lambda version: indicators.delete_measurement(actor, picked.id, version),
                          MEASUREMENT_WORDS, MEASUREMENT_LABELS)


def card(i: IndicatorView) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(i.name)}**" + (f" · {md(i.unit)}" if i.unit else ""))
        facts = [t("indicators.fact.baseline", value=fmt_value(i.baseline, md(i.unit))),
                 t("indicators.fact.target", value=fmt_value(i.target, md(i.unit)))]
        if i.latest:
            facts.append(t("indicators.fact.latest", value=fmt_value(i.latest.value, md(i.unit)),
                           on=formats.date(i.latest.measured_on)))
        if i.progress is not None:
            facts.append(t("indicators.fact.progress", pct=round(100 * i.progress)))
        st.caption(" · ".join(facts))
        if i.measurements:
            ui.chart(figures.measurements[i.id], partial(indicators.measurements_table, i), f"indicator_{i.id}", {
                "measured_on": st.column_config.DateColumn(t("indicators.col.date"), format=DATE),
                "value": t("indicators.col.value")})
        else:
            st.info(t("indicators.no_measurement_team") if can_edit else t("indicators.no_measurement"))
        if can_edit:
            edit_tools(i)


# --- The page ---------------------------------------------------------------------------------------


def overview_section() -> None:
    """Every indicator's progress towards its target, then the indicators theme by theme."""
    st.header(t("indicators.overview"))
    if figures.progress is None:
        st.caption(t("indicators.overview_empty"))
    ui.chart(figures.progress, lambda: indicators.indicators_table(data.indicators).drop(columns=["id"]),
             f"indicators_{defi.id}", indicator_columns())
    for theme in THEMES:
        in_theme = [i for i in data.indicators if i.theme == theme]
        if not in_theme and not can_edit:
            continue
        st.header(t(f"indicators.theme.{theme.value}"))
        if not in_theme:
            st.caption(t("indicators.theme_empty"))
        for i in in_theme:
            card(i)


def new_indicator_form() -> None:
    st.header(t("indicators.form.new"))
    adding = ui.new("indicator_new", defi.id)
    with st.form(adding.key):
        indicator_form(adding.key, None)
        ui.save_button(t("indicators.form.add"), adding, lambda: ui.typed(IndicatorIn, adding.key, INDICATOR_FIELDS),
                       lambda d: indicators.create_indicator(actor, defi.id, d),
                       lambda d, _: t("indicators.added", name=d.name), labels=INDICATOR_LABELS, type="primary")


if not data.indicators:
    st.info(t("indicators.empty_team") if can_edit else t("indicators.empty"))
else:
    overview_section()
if can_edit:
    new_indicator_form()
else:
    st.caption(t("indicators.read_only"))
