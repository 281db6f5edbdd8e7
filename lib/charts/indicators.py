"""Charts of the indicators: one indicator's measurements against its target and baseline,
and every indicator's progress towards its target on one chart (the sponsor's view).
Pure functions; the pages and the export show each with a table alternative."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.charts.common import PALETTE, base_layout, plain
from lib.documents import fmt_value
from lib.i18n import t

TARGET_COLOUR = "#009E73"
BASELINE_COLOUR = "#666666"


def indicator_chart(measurements: pd.DataFrame, unit: str, baseline: float | None,
                    target: float | None) -> go.Figure:
    """The measurements as a line, the target as a dashed green line and the baseline as a
    dotted grey one, each labelled with its value."""
    unit = plain(unit)
    fig = go.Figure(go.Scatter(
        x=measurements["measured_on"], y=measurements["value"], mode="lines+markers", name=t("indicators.col.value"),
        showlegend=False,
        line={"color": PALETTE[0], "width": 2}, marker={"size": 8},
        customdata=[unit] * len(measurements), hovertemplate="%{x|%d/%m/%Y} : %{y:,.4~g} %{customdata}<extra></extra>"))
    # The target's label above its line, the baseline's below: close levels stay readable.
    for level, key, colour, dash, where in ((target, "indicators.chart.target", TARGET_COLOUR, "dash", "top left"),
                                            (baseline, "indicators.chart.baseline", BASELINE_COLOUR, "dot",
                                             "bottom left")):
        if level is not None:
            fig.add_hline(y=level, line_color=colour, line_dash=dash, line_width=2,
                          annotation_text=t(key, value=fmt_value(level, unit)), annotation_position=where,
                          annotation_font_color=colour)
    levels = [v for v in (target, baseline) if v is not None] + list(measurements["value"])
    if levels:  # keep the target in view even when the measurements are far from it
        low, high = min(levels), max(levels)
        pad = (high - low) * 0.12 or abs(high) * 0.1 or 1
        fig.update_yaxes(range=[low - pad, high + pad])
    fig.update_yaxes(title=unit or None)
    fig.update_xaxes(type="date", tickformat="%d/%m/%y")
    return base_layout(fig, height=260)


def progress_chart(table: pd.DataFrame) -> go.Figure:
    """Each indicator's progress from its baseline to its target, in percent of the way
    (100 % = target reached), with the target as a vertical line."""
    rows = table[table["progress"].notna()]
    shown = rows["progress"].clip(lower=-20, upper=150)  # far outliers would squash the others
    fig = go.Figure(go.Bar(
        y=[_wrap(n) for n in rows["name"]], x=shown, orientation="h", customdata=rows["theme"],
        name=t("indicators.col.progress"), showlegend=False,
        text=[f"{p:.0f} %" for p in rows["progress"]], textposition="auto",
        marker_color=[TARGET_COLOUR if p >= 100 else PALETTE[0] for p in rows["progress"]],
        hovertemplate="%{y}<br>%{customdata} : %{text}<extra></extra>"))
    fig.add_vline(x=100, line_color=TARGET_COLOUR, line_dash="dash", line_width=2)
    low = min(0.0, float(shown.min())) if len(shown) else 0.0
    high = max(100.0, float(shown.max())) if len(shown) else 100.0
    fig.update_xaxes(range=[low - 5, high + 10], ticksuffix=" %", title=t("indicators.chart.of_target"))
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, height=90 + 48 * max(len(rows), 1))


def _wrap(label: str, width: int = 24) -> str:
    """A long indicator name on several lines, so the bars keep the room in a narrow column."""
    lines, current = [], ""
    for word in plain(label).split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "<br>".join([*lines, current])
