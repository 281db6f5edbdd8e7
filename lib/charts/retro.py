"""Charts of the weekly retrospectives: mood line, défi × week heatmap, participation,
mood distribution per phase. Pure functions DataFrame -> Figure; the pages show each
with a table alternative."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib import formats
from lib.charts.common import MISSING_COLOUR, MOOD_COLOURS, PALETTE, base_layout, plain
from lib.i18n import t
from lib.programme import MOOD_EMOJI

CALENDAR, PROGRAMME = "calendar", "programme"


def x_labels(weeks: pd.DataFrame, axis: str) -> list[str]:
    """Calendar weeks (S47 (16-22 nov.)) or the programme clock (S33 · P3)."""
    if axis == PROGRAMME:
        return [f"S{n}" + (f" · P{int(p)}" if pd.notna(p) else "")
                for n, p in zip(weeks["programme_week"], weeks["phase"], strict=True)]
    return list(weeks["week"])


def _week_ticks(fig: go.Figure, weeks: pd.DataFrame, axis: str) -> None:
    """Calendar weeks are ticked by their Monday (« 16 nov. »): the full label, too long for a
    tick, stays in the hover text."""
    if axis == CALENDAR:
        fig.update_xaxes(tickvals=list(weeks["week"]), ticktext=[formats.day_month(d) for d in weeks["week_start"]])


def _mood_axis(fig: go.Figure) -> None:
    fig.update_yaxes(range=[0.5, 4.5], tickvals=[1, 2, 3, 4],
                     ticktext=[f"{MOOD_EMOJI[m]} {t(f'bulletin.mood.{m}')}" for m in range(1, 5)])


def mood_line(trend: pd.DataFrame, axis: str = CALENDAR) -> go.Figure:
    """The défi's mood week after week; weeks without a bulletin stay gaps (no bridging)."""
    fig = go.Figure(go.Scatter(
        x=x_labels(trend, axis), y=trend["mood"], mode="lines+markers", connectgaps=False,
        line={"color": PALETTE[0], "width": 2}, marker={"size": 9, "color": PALETTE[0]},
        customdata=trend[["week", "clock"]].to_numpy(),
        hovertemplate="%{customdata[0]} · %{customdata[1]}<br>%{y}<extra></extra>"))
    _mood_axis(fig)
    fig.update_xaxes(type="category")
    _week_ticks(fig, trend, axis)
    return base_layout(fig, height=320)


def heatmap(cells: pd.DataFrame, axis: str = CALENDAR) -> go.Figure:
    """Défi × week mood; a missing bulletin shows the distinct grey background."""
    weeks = cells.drop_duplicates("week_start").sort_values("week_start")
    labels = x_labels(weeks, axis)
    grid = cells.pivot(index="defi", columns="week_start", values="mood").reindex(columns=weeks["week_start"])
    # Discrete scale: each mood its own colour (colour-blind safe), never a gradient.
    scale = []
    for mood in range(1, 5):
        scale += [[(mood - 1) / 4, MOOD_COLOURS[mood]], [mood / 4, MOOD_COLOURS[mood]]]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=labels, y=[plain(d) for d in grid.index], zmin=0.5, zmax=4.5, colorscale=scale,
        xgap=1, ygap=1,
        colorbar={"tickvals": [1, 2, 3, 4], "ticktext": [MOOD_EMOJI[m] for m in range(1, 5)], "title": ""},
        hovertemplate="%{y} · %{x}<br>%{z}<extra></extra>"))
    fig.update_xaxes(type="category")
    _week_ticks(fig, weeks, axis)
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, height=120 + 28 * len(grid.index))
    fig.update_layout(plot_bgcolor=MISSING_COLOUR)
    return fig


def participation_bars(rates: pd.DataFrame, axis: str = CALENDAR) -> go.Figure:
    fig = go.Figure(go.Bar(x=x_labels(rates, axis), y=rates["rate"] * 100, marker_color=PALETTE[0],
                           customdata=rates[["filed", "defis"]].to_numpy(),
                           hovertemplate="%{x}<br>%{y:.0f} % (%{customdata[0]} / %{customdata[1]})<extra></extra>"))
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    fig.update_xaxes(type="category")
    _week_ticks(fig, rates, axis)
    return base_layout(fig, height=280)


def mood_distribution(dist: pd.DataFrame) -> go.Figure:
    """Stacked bars: share of each mood among a phase's bulletins."""
    fig = go.Figure()
    totals = dist.groupby("phase")["count"].transform("sum")
    share = dist.assign(share=dist["count"] / totals * 100)
    for mood in range(1, 5):
        part = share[share["mood"] == mood]
        fig.add_trace(go.Bar(x=part["phase"], y=part["share"], name=f"{MOOD_EMOJI[mood]} {t(f'bulletin.mood.{mood}')}",
                             marker_color=MOOD_COLOURS[mood], customdata=part["count"],
                             hovertemplate="%{x}<br>%{y:.0f} % (%{customdata})<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    return base_layout(fig, height=320)


def key_date_timeline(dates: pd.DataFrame, today: object) -> go.Figure:
    """Key dates on a time line, one row per défi, with today's line."""
    fig = go.Figure(go.Scatter(
        x=dates["on_date"], y=[plain(d) for d in dates["defi"]], mode="markers",
        marker={"size": 12, "color": PALETTE[0], "symbol": "diamond"},
        customdata=[[plain(d)] for d in dates["description"]],
        hovertemplate="%{x|%d/%m/%Y} · %{y}<br>%{customdata[0]}<extra></extra>"))
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line_color="#E1000F", line_dash="dot")
    fig.update_xaxes(type="date", tickformat="%d/%m/%y")
    fig.update_yaxes(autorange="reversed", type="category")
    return base_layout(fig, height=120 + 30 * dates["defi"].nunique())
