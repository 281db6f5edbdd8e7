"""Indicateurs: the selected défi's indicators by theme, each charted against its target and
baseline with its data; the team and the coaches add indicators and measurements here."""

import streamlit as st

from lib import indicators, ui
from lib.charts.indicators import indicator_chart, progress_chart
from lib.clock import today_local
from lib.html_export import fmt_value
from lib.i18n import t
from lib.indicators import THEMES, IndicatorView
from lib.schemas import IndicatorIn, MeasurementIn
from lib.ui import cached, context, done, indicator_columns, md, submit

ctx = context()
actor = ctx.actor
today = today_local()
ui.title(t("page.indicators"), ctx.defi)

if ctx.defi is None:
    st.info(t("indicators.no_defi"))
    st.stop()

defi = ctx.defi
data = cached(indicators.defi_indicators)(actor, defi.id)
can_edit = data.can_edit
DATE = "DD/MM/YYYY"
INDICATOR_LABELS = {"theme": t("indicators.col.theme"), "name": t("indicators.col.name"),
                    "unit": t("indicators.col.unit"), "baseline": t("indicators.col.baseline"),
                    "target": t("indicators.col.target")}
MEASUREMENT_LABELS = {"measured_on": t("indicators.col.date"), "value": t("indicators.col.value")}
st.caption(t("indicators.intro", defi=md(defi.name)))


def indicator_form(key: str, current: IndicatorView | None) -> tuple:
    """The fields of an indicator (empty for a new one); returns the values typed."""
    theme = st.selectbox(t("indicators.col.theme"), THEMES, THEMES.index(current.theme) if current else 0,
                         format_func=lambda th: t(f"indicators.theme.{th.value}"), key=f"{key}_theme")
    name = st.text_input(t("indicators.col.name"), current.name if current else "", max_chars=200,
                         key=f"{key}_name", placeholder=t("indicators.form.name_placeholder"))
    unit = st.text_input(t("indicators.col.unit"), current.unit if current else "", max_chars=40, key=f"{key}_unit",
                         placeholder=t("indicators.form.unit_placeholder"))
    c1, c2 = st.columns(2)
    baseline = c1.number_input(t("indicators.col.baseline"), value=current.baseline if current else None,
                               key=f"{key}_baseline", help=t("indicators.form.baseline_help"), format="%g")
    target = c2.number_input(t("indicators.col.target"), value=current.target if current else None,
                             key=f"{key}_target", help=t("indicators.form.target_help"), format="%g")
    return theme, name, unit, baseline, target


def edit_tools(i: IndicatorView) -> None:
    """A new measurement, then (folded) changes to the indicator and its measurements."""
    with st.form(f"measure_{i.id}", clear_on_submit=True):
        st.markdown(f"**{t('indicators.form.new_measurement')}**")
        c1, c2, c3 = st.columns([2, 2, 1.4], vertical_alignment="bottom")
        day = c1.date_input(t("indicators.col.date"), today, max_value=today, format=DATE, key=f"measure_{i.id}_date")
        value = c2.number_input(t("indicators.col.value") + (f" ({md(i.unit)})" if i.unit else ""), value=None,
                                key=f"measure_{i.id}_value", format="%g")
        if c3.form_submit_button(t("indicators.form.add_measurement"), type="primary") and submit(
                lambda: MeasurementIn(measured_on=day, value=value),
                lambda m: indicators.add_measurement(actor, i.id, m), labels=MEASUREMENT_LABELS):
            done(t("indicators.measurement_added", name=i.name))

    with st.expander(t("indicators.form.edit", name=md(i.name))):
        opened = ui.edit("indicator", i.id, i.version)
        ui.newer_version(opened, lambda: st.text(f"{i.name} · {i.unit} · {fmt_value(i.baseline, i.unit)} → "
                                                 f"{fmt_value(i.target, i.unit)}"))
        with st.form(opened.key):
            fields = indicator_form(opened.key, i)
            confirm = st.checkbox(t("indicators.form.confirm_delete"), key=f"{opened.key}_confirm")
            c1, c2 = st.columns(2)
            save = c1.form_submit_button(t("indicators.form.save"))
            remove = c2.form_submit_button(t("indicators.form.delete"))
        if save and submit(lambda: IndicatorIn(theme=fields[0], name=fields[1], unit=fields[2], baseline=fields[3],
                                               target=fields[4]),
                           lambda d: indicators.update_indicator(actor, i.id, d, opened.expected) or True,
                           labels=INDICATOR_LABELS):
            opened.close()
            done(t("indicators.updated", name=i.name))
        if remove:
            if not confirm:
                st.warning(t("indicators.delete_unconfirmed"))
            elif submit(lambda: i.id, lambda _: indicators.delete_indicator(actor, i.id, opened.expected) or True):
                opened.close()
                done(t("indicators.deleted", name=i.name))

        if not i.measurements:
            return
        by_id = {m.id: m for m in i.measurements}
        picked = by_id[st.selectbox(t("indicators.form.pick_measurement"), list(reversed(by_id)),
                                    key=f"pick_{i.id}",
                                    format_func=lambda m: f"{by_id[m].measured_on:%d/%m/%Y} · {by_id[m].value:g}")]
        measured = ui.edit("measurement", picked.id, picked.version)
        ui.newer_version(measured,
                         lambda: st.text(f"{picked.measured_on:%d/%m/%Y} · {fmt_value(picked.value, i.unit)}"))
        with st.form(measured.key):
            c1, c2 = st.columns(2)
            day = c1.date_input(t("indicators.col.date"), picked.measured_on, max_value=today, format=DATE,
                                key=f"{measured.key}_date")
            value = c2.number_input(t("indicators.col.value"), value=picked.value, format="%g",
                                    key=f"{measured.key}_value")
            confirm = st.checkbox(t("indicators.form.confirm_delete_measurement"), key=f"{measured.key}_confirm")
            c1, c2 = st.columns(2)
            save = c1.form_submit_button(t("indicators.form.save_measurement"))
            remove = c2.form_submit_button(t("indicators.form.delete_measurement"))
        if save and submit(lambda: MeasurementIn(measured_on=day, value=value),
                           lambda d: indicators.update_measurement(actor, picked.id, d, measured.expected) or True,
                           labels=MEASUREMENT_LABELS):
            measured.close()
            done(t("indicators.measurement_updated"))
        if remove:
            if not confirm:
                st.warning(t("indicators.delete_unconfirmed"))
            elif submit(lambda: picked.id,
                        lambda _: indicators.delete_measurement(actor, picked.id, measured.expected) or True):
                measured.close()
                done(t("indicators.measurement_deleted"))


def card(i: IndicatorView) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(i.name)}**" + (f" · {md(i.unit)}" if i.unit else ""))
        facts = [t("indicators.fact.baseline", value=fmt_value(i.baseline, md(i.unit))),
                 t("indicators.fact.target", value=fmt_value(i.target, md(i.unit)))]
        if i.latest:
            facts.append(t("indicators.fact.latest", value=fmt_value(i.latest.value, md(i.unit)),
                           on=f"{i.latest.measured_on:%d/%m/%Y}"))
        if i.progress is not None:
            facts.append(t("indicators.fact.progress", pct=round(100 * i.progress)))
        st.caption(" · ".join(facts))
        if i.measurements:
            table = indicators.measurements_table(i)
            st.plotly_chart(indicator_chart(table, i.unit, i.baseline, i.target), key=f"chart_{i.id}",
                            config={"displayModeBar": False})
            with st.expander(t("home.see_data")):
                st.dataframe(table, hide_index=True, column_config={
                    "measured_on": st.column_config.DateColumn(t("indicators.col.date"), format=DATE),
                    "value": t("indicators.col.value")})
        else:
            st.info(t("indicators.no_measurement_team") if can_edit else t("indicators.no_measurement"))
        if can_edit:
            edit_tools(i)


# --- The page ---------------------------------------------------------------------------------------

if not data.indicators:
    st.info(t("indicators.empty_team") if can_edit else t("indicators.empty"))
else:
    overview = indicators.indicators_table(data.indicators)
    st.subheader(t("indicators.overview"))
    if overview["progress"].notna().any():
        st.plotly_chart(progress_chart(overview), key="indicators_progress", config={"displayModeBar": False})
    else:
        st.caption(t("indicators.overview_empty"))
    with st.expander(t("home.see_data")):
        st.dataframe(overview.drop(columns=["id"]), hide_index=True, column_config=indicator_columns())

    for theme in THEMES:
        in_theme = [i for i in data.indicators if i.theme == theme]
        if not in_theme and not can_edit:
            continue
        st.subheader(t(f"indicators.theme.{theme.value}"))
        if not in_theme:
            st.caption(t("indicators.theme_empty"))
        for i in in_theme:
            card(i)

if can_edit:
    st.subheader(t("indicators.form.new"))
    with st.form(f"indicator_new_{defi.id}", clear_on_submit=True):
        fields = indicator_form(f"new_{defi.id}", None)
        if st.form_submit_button(t("indicators.form.add"), type="primary") and submit(
                lambda: IndicatorIn(theme=fields[0], name=fields[1], unit=fields[2], baseline=fields[3],
                                    target=fields[4]),
                lambda d: indicators.create_indicator(actor, defi.id, d), labels=INDICATOR_LABELS):
            done(t("indicators.added", name=fields[1].strip()))
else:
    st.caption(t("indicators.read_only"))
