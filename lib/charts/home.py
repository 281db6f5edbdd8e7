"""Charts of the home page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from lib import formats
from lib.charts.common import STATE_COLOURS, base_layout, plain
from lib.i18n import t
from lib.phases import phase_state  # the one definition of a phase's state


def phase_table(phases: list, today: dt.date) -> pd.DataFrame:
    """The défi's phases as rows (also the chart's table alternative)."""
    return pd.DataFrame([{"phase": f"{p.number}. {p.name}", "start": p.planned_start, "end": p.planned_end,
                          "state": t(f"phase_state.{phase_state(p.planned_start, p.planned_end, p.validated, today)}")}
                         for p in phases])


def phase_strip(phases: list, today: dt.date) -> go.Figure:
    """One horizontal band per phase, coloured by its state, with today's line; the title says
    what it shows and the legend what each colour means (each state once)."""
    fig = go.Figure()
    named: set[str] = set()
    for p in phases:
        state = phase_state(p.planned_start, p.planned_end, p.validated, today)
        fig.add_trace(go.Bar(
            y=[f"{p.number}. {plain(p.name)}"], x=[(p.planned_end - p.planned_start).days * 86_400_000],
            base=[p.planned_start.isoformat()], orientation="h", marker_color=STATE_COLOURS[state],
            name=t(f"phase_state.{state}"), legendgroup=state, showlegend=state not in named,
            hovertemplate=f"{formats.date(p.planned_start)} → {formats.date(p.planned_end)}"
                          f"<br>{t(f'phase_state.{state}')}<extra></extra>"))
        named.add(state)
    fig.add_vline(x=dt.datetime.combine(today, dt.time()).timestamp() * 1000, line_color="#E1000F", line_dash="dot")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="date", tickformat="%m/%Y")  # numeric: plotly only knows English month names
    fig.update_layout(showlegend=True)
    return base_layout(fig, t("charts.phases.strip_title"), height=140 + 36 * len(phases))
