"""Every chart builder of lib/charts, on data shaped as its service returns it: each trace has a
French name, so no legend ever reads « trace 0 »; and the charts' own rules of order and titles."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pickle
import pkgutil
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pytest
import streamlit as st

import lib.charts
from lib.charts import common, home, indicators, journal, phases, programme, retro
from lib.i18n import t

TODAY = dt.date(2026, 11, 18)
MONDAYS = [dt.date(2026, 11, 2), dt.date(2026, 11, 9), dt.date(2026, 11, 16)]


def phase(number: int, start: dt.date, end: dt.date, state: str, **more: object) -> SimpleNamespace:
    """A défi's phase as lib.phases.PhaseView carries it."""
    return SimpleNamespace(number=number, name=f"Phase {number}", planned_start=start, planned_end=end,
                           template_start=start, template_end=end, validated=state == "validee", state=state,
                           objectives_done=1, objectives=[1, 2], committee_at=more.get("committee_at"))


PHASES = [phase(1, dt.date(2026, 4, 6), dt.date(2026, 7, 6), "validee",
                committee_at=dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC)),
          phase(2, dt.date(2026, 7, 6), dt.date(2026, 10, 6), "validee"),
          phase(3, dt.date(2026, 10, 6), dt.date(2027, 1, 6), "en_cours"),
          phase(4, dt.date(2027, 1, 6), dt.date(2027, 4, 6), "a_venir")]
WEEKS = pd.DataFrame({"week_start": MONDAYS, "week": ["S45 (2-8 nov.)", "S46 (9-15 nov.)", "S47 (16-22 nov.)"],
                      "programme_week": [31, 32, 33], "phase": [3, 3, 3],
                      "clock": [f"semaine {n} du programme sur 44, phase 3" for n in (31, 32, 33)],
                      "in_progress": [False, False, True]})
# Moods by phase as lib.bulletins.mood_by_phase returns them; the saddest mood only in phases 2 and 3.
MOOD_BY_PHASE = pd.DataFrame([{"phase": f"{n}. Phase {n}", "number": n, "mood": m, "count": c}
                              for n, m, c in [(1, 3, 4), (1, 4, 2), (2, 1, 1), (2, 3, 5), (3, 1, 2), (3, 2, 3)]])
PROMOTIONS = ["EIG 8", "EIG 9"]

# One call per builder, on rows shaped as the page passes them.
EXAMPLES = {
    home.phase_strip: lambda: home.phase_strip(PHASES, TODAY),
    indicators.indicator_chart: lambda: indicators.indicator_chart(
        pd.DataFrame({"measured_on": MONDAYS, "value": [1.0, 4.0, 9.0]}), "agents", 1.0, 40.0),
    indicators.progress_chart: lambda: indicators.progress_chart(
        pd.DataFrame({"name": ["Agents formés", "Dépôts publiés"], "theme": ["Transformation", "Ouverture"],
                      "progress": [22.0, 110.0]})),
    journal.weekly_stacked: lambda: journal.weekly_stacked(
        pd.DataFrame({"week": MONDAYS[:2] * 2, "category": ["A", "A", "C", "C"], "entries": [2, 1, 3, 1]})),
    journal.category_share: lambda: journal.category_share(
        pd.DataFrame({"category": ["A", "C"], "label": ["a", "b"], "entries": [3, 4]})),
    journal.news_by_month: lambda: journal.news_by_month(
        pd.DataFrame({"month": [dt.date(2026, 10, 1), dt.date(2026, 11, 1)], "good": [3, 2], "bad": [1, 0]})),
    journal.ratings_over_time: lambda: journal.ratings_over_time(
        pd.DataFrame({"month": [dt.date(2026, 10, 1), dt.date(2026, 11, 1)] * 2,
                      "competency": ["Design", "Design", "Code", "Code"], "rating": [2, 3, 3, 4]})),
    phases.defi_gantt: lambda: phases.defi_gantt(PHASES, TODAY),
    phases.promotion_timeline: lambda: phases.promotion_timeline(
        pd.DataFrame([{"defi": d, "number": p.number, "phase": p.name, "start": p.planned_start,
                       "end": p.planned_end, "state": p.state} for d in ("Alpha", "Beta") for p in PHASES]), TODAY),
    phases.progress_bars: lambda: phases.progress_bars(
        pd.DataFrame({"phase": ["1. Phase 1", "2. Phase 2"], "objectives_pct": [100, 40], "time_pct": [100, 73]})),
    phases.axis_ratings: lambda: phases.axis_ratings(
        pd.DataFrame({"phase": ["1. Phase 1", "2. Phase 2"], **{f"{axis}_rating": [2, 3]
                                                               for axis in phases.AXIS_COLOURS}})),
    phases.mood_trend: lambda: phases.mood_trend(pd.DataFrame({"week_start": MONDAYS, "mood": [3, 2, 4]})),
    phases.journal_categories: lambda: phases.journal_categories(
        pd.DataFrame({"label": ["A · Animer", "B · Bâtir"], "entries": [5, 3], "good": [2, 1], "bad": [1, 0]})),
    phases.indicator_movement: lambda: phases.indicator_movement(
        pd.DataFrame({"name": ["Agents formés"], "start_pct": [10.0], "end_pct": [40.0]})),
    programme.outcomes_bar: lambda: programme.outcomes_bar(
        pd.DataFrame({"promotion": PROMOTIONS, **{o: [1, 2] for o in programme.OUTCOME_COLOURS}})),
    programme.ouverture_bar: lambda: programme.ouverture_bar(
        pd.DataFrame({"promotion": PROMOTIONS, **{c: [1, 2] for c in programme.OUVERTURE}})),
    programme.clock_lines: lambda: programme.clock_lines(
        pd.DataFrame({"promotion": ["EIG 8"] * 2 + ["EIG 9"] * 2, "programme_week": [1, 2, 1, 2],
                      "mood": [3.0, 2.5, 3.5, 3.0]}), "mood", "EIG 9"),
    programme.phase_bars: lambda: programme.phase_bars(
        pd.DataFrame({"promotion": ["EIG 8", "EIG 9"], "phase": [1, 1], "participation": [0.9, 0.8]}),
        "participation"),
    retro.mood_line: lambda: retro.mood_line(WEEKS.assign(mood=[3.0, None, 4.0])),
    retro.heatmap: lambda: retro.heatmap(pd.concat([WEEKS.assign(defi=d, mood=[3, 2, 4]) for d in ("A", "B")])),
    retro.participation_bars: lambda: retro.participation_bars(
        WEEKS.assign(rate=[0.75, 1.0, None], filed=[3, 4, 2], defis=[4, 4, 4])),
    retro.mood_distribution: lambda: retro.mood_distribution(MOOD_BY_PHASE),
    retro.calendar_timeline: lambda: retro.calendar_timeline(
        pd.DataFrame({"day": MONDAYS, "kind": ["deadline", "committee", "key_date"],
                      "kind_label": ["Échéance", "Comité", "Date clé"], "defi": ["A", "B", "C"],
                      "title": ["x", "y", "z"]}), TODAY),
}


def builders() -> set:
    """Every public function of lib/charts that builds a Plotly figure (common.py only lays
    out the others')."""
    found = set()
    for info in pkgutil.iter_modules(lib.charts.__path__):
        if info.name == "common":
            continue
        module = importlib.import_module(f"lib.charts.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") \
                    and inspect.signature(fn).return_annotation in ("go.Figure", go.Figure):
                found.add(fn)
    return found


def test_every_chart_builder_has_an_example():
    assert builders() == set(EXAMPLES)


def legend_shows(fig: go.Figure) -> bool:
    """Plotly draws a legend when asked to, or by default when there are several traces."""
    shown = fig.layout.showlegend
    return shown if shown is not None else len(fig.data) > 1


@pytest.mark.parametrize("builder", list(EXAMPLES), ids=lambda fn: f"{fn.__module__}.{fn.__name__}")
def test_every_trace_has_a_french_name_and_no_legend_reads_trace(builder):
    fig = EXAMPLES[builder]()
    assert fig.data
    for trace in fig.data:
        assert trace.name and trace.name.strip(), f"{type(trace).__name__} without a name"
    if legend_shows(fig):
        entries = [trace.name for trace in fig.data if trace.showlegend is not False]
        assert not any(name.lower().startswith("trace") for name in entries)


def test_mood_bars_by_phase_follow_the_phases_order():
    fig = retro.mood_distribution(MOOD_BY_PHASE)
    assert fig.layout.xaxis.categoryorder == "array"
    assert list(fig.layout.xaxis.categoryarray) == ["1. Phase 1", "2. Phase 2", "3. Phase 3"]


def test_the_phase_strip_has_a_title_and_a_legend_of_its_states():
    fig = home.phase_strip(PHASES, TODAY)
    assert fig.layout.title.text == t("charts.phases.strip_title")
    assert legend_shows(fig)
    assert [trace.name for trace in fig.data if trace.showlegend is not False] == [
        t("phase_state.validee"), t("phase_state.en_cours"), t("phase_state.a_venir")]


def sent(figure: go.Figure) -> dict:
    """What st.plotly_chart sends of a figure (its spec), parsed: key order aside."""
    return json.loads(plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(figure, True), validate=False))


@pytest.mark.parametrize("builder", list(EXAMPLES), ids=lambda fn: f"{fn.__module__}.{fn.__name__}")
def test_a_cached_figure_is_drawn_as_the_built_one(builder):
    built = EXAMPLES[builder]()
    cached = pickle.loads(pickle.dumps(common.spec(built)))  # as st.cache_data hands it back
    assert sent(common.redraw(cached)) == sent(built)


def test_drawing_a_cached_figure_leaves_it_unchanged():
    cached = common.spec(EXAMPLES[indicators.indicator_chart]())
    before = plotly.io.to_json(cached, validate=False)
    st.plotly_chart(common.redraw(cached), key="drawn_once")
    assert plotly.io.to_json(cached, validate=False) == before
