"""Charts of the weekly retrospectives: mood line, défi × week heatmap, participation,
mood distribution per phase. Pure functions DataFrame -> Figure; the pages show each
with a table alternative."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib import formats
from lib.charts.common import MISSING_COLOUR, MOOD_COLOURS, PALETTE, base_layout, plain
from lib.i18n import t
from lib.programme import MOOD_EMOJI, mood_label

CALENDAR, PROGRAMME = "calendar", "programme"


def x_labels(weeks: pd.DataFrame, axis: str) -> list[str]:
    """Calendar weeks (S47 (16-22 nov.)) or the programme clock (S33 · P3); the week in
    progress says so."""
    if axis == PROGRAMME:
        labels = [f"S{n}" + (f" · P{int(p)}" if pd.notna(p) else "")
                  for n, p in zip(weeks["programme_week"], weeks["phase"], strict=True)]
    else:
        labels = list(weeks["week"])
    if "in_progress" in weeks:
        labels = [f"{label} ({t('retro.in_progress')})" if open_ else label
                  for label, open_ in zip(labels, weeks["in_progress"], strict=True)]
    return labels


def _in_progress(frame: pd.DataFrame) -> pd.Series:
    return frame["in_progress"].astype(bool) if "in_progress" in frame else pd.Series(False, index=frame.index)


def _week_ticks(fig: go.Figure, weeks: pd.DataFrame, axis: str) -> None:
    """Calendar weeks are ticked by their Monday (« 16 nov. »): the full label, too long for a
    tick, stays in the hover text."""
    if axis == CALENDAR:
        open_ = _in_progress(weeks)
        fig.update_xaxes(tickvals=x_labels(weeks, axis),
                         ticktext=[formats.day_month(d) + (f" ({t('retro.in_progress')})" if o else "")
                                   for d, o in zip(weeks["week_start"], open_, strict=True)])


def _mood_axis(fig: go.Figure) -> None:
    fig.update_yaxes(range=[0.5, 4.5], tickvals=[1, 2, 3, 4],
                     ticktext=[mood_label(m) for m in range(1, 5)])


def mood_line(trend: pd.DataFrame, axis: str = CALENDAR) -> go.Figure:
    """The défi's mood week after week; weeks without a bulletin stay gaps (no bridging)."""
    fig = go.Figure(go.Scatter(
        x=x_labels(trend, axis), y=trend["mood"], mode="lines+markers", connectgaps=False,
        name=t("retro.col.mood"), showlegend=False, line={"color": PALETTE[0], "width": 2},
        marker={"size": 9, "color": PALETTE[0]},
        customdata=trend[["week", "clock"]].to_numpy(),
        hovertemplate="%{customdata[0]} · %{customdata[1]}<br>%{y}<extra></extra>"))
    open_ = _in_progress(trend)
    if open_.any():  # the week in progress: an open marker, its mood may still change
        fig.add_trace(go.Scatter(
            x=[x for x, o in zip(x_labels(trend, axis), open_, strict=True) if o], y=trend.loc[open_, "mood"],
            mode="markers", marker={"size": 13, "color": "white", "line": {"color": PALETTE[0], "width": 2}},
            name=t("retro.in_progress"), hoverinfo="skip", showlegend=False))
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
        xgap=1, ygap=1, name=t("retro.col.mood"),
        colorbar={"tickvals": [1, 2, 3, 4], "ticktext": [MOOD_EMOJI[m] for m in range(1, 5)], "title": ""},
        hovertemplate="%{y} · %{x}<br>%{z}<extra></extra>"))
    fig.update_xaxes(type="category")
    _week_ticks(fig, weeks, axis)
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, height=120 + 28 * len(grid.index))
    fig.update_layout(plot_bgcolor=MISSING_COLOUR)
    for i, open_ in enumerate(_in_progress(weeks)):
        if open_:  # not missing yet: the column of the week in progress is veiled (its label says « en cours »)
            fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor="white", opacity=0.55, line_width=0)
    return fig


def participation_bars(rates: pd.DataFrame, axis: str = CALENDAR) -> go.Figure:
    """Closed weeks as plain bars; the week in progress hatched and labelled « en cours »,
    its height the bulletins filed so far (no rate yet)."""
    labels, open_ = x_labels(rates, axis), _in_progress(rates)
    closed = ~open_
    fig = go.Figure(go.Bar(x=[x for x, c in zip(labels, closed, strict=True) if c], y=rates.loc[closed, "rate"] * 100,
                           marker_color=PALETTE[0], name=t("retro.col.rate"),
                           customdata=rates.loc[closed, ["filed", "defis"]].to_numpy(),
                           hovertemplate="%{x}<br>%{y:.0f} % (%{customdata[0]} / %{customdata[1]})<extra></extra>"))
    if open_.any():
        part = rates[open_]
        so_far = part["filed"] / part["defis"].where(part["defis"] > 0) * 100
        fig.add_trace(go.Bar(
            x=[x for x, o in zip(labels, open_, strict=True) if o], y=so_far.fillna(0), name=t("retro.in_progress"),
            marker={"color": "white", "line": {"color": PALETTE[0], "width": 1.5},
                    "pattern": {"shape": "/", "fgcolor": PALETTE[0], "size": 6}},
            text=[t("retro.in_progress")] * len(part), textposition="outside", textfont={"size": 12}, cliponaxis=False,
            customdata=part[["filed", "defis"]].to_numpy(),
            hovertemplate="%{x}<br>" + t("retro.in_progress_hover") + "<extra></extra>"))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    fig.update_xaxes(type="category")
    _week_ticks(fig, rates, axis)
    return base_layout(fig, height=280)


def mood_distribution(dist: pd.DataFrame) -> go.Figure:
    """Stacked bars: share of each mood among a phase's bulletins, the phases in their order
    (Plotly would order them as they first appear in the traces, mood by mood)."""
    fig = go.Figure()
    totals = dist.groupby("phase")["count"].transform("sum")
    share = dist.assign(share=dist["count"] / totals * 100)
    for mood in range(1, 5):
        part = share[share["mood"] == mood]
        fig.add_trace(go.Bar(x=part["phase"], y=part["share"], name=mood_label(mood),
                             marker_color=MOOD_COLOURS[mood], customdata=part["count"],
                             hovertemplate="%{x}<br>%{y:.0f} % (%{customdata})<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(categoryorder="array", categoryarray=list(dist.sort_values("number")["phase"].unique()))
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    return base_layout(fig, height=320)


KIND_SYMBOLS = {"deadline": "line-ns-open", "committee": "star", "phase_end": "square", "event": "circle",
                "key_date": "diamond"}


def calendar_timeline(events: pd.DataFrame, today: object) -> go.Figure:
    """The promotion's calendar on a time line, one row per kind of event, with today's line."""
    fig = go.Figure()
    for i, (kind, symbol) in enumerate(KIND_SYMBOLS.items()):
        part = events[events["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["day"], y=part["kind_label"], mode="markers", name=str(part["kind_label"].iloc[0]),
            marker={"size": 12, "color": PALETTE[i], "symbol": symbol, "line": {"width": 2, "color": PALETTE[i]}},
            customdata=[[plain(d), plain(x)] for d, x in zip(part["defi"], part["title"], strict=True)],
            hovertemplate="%{x|%d/%m/%Y} · %{customdata[0]}<br>%{customdata[1]}<extra></extra>"))
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line_color="#E1000F", line_dash="dot")
    fig.update_xaxes(type="date", tickformat="%d/%m/%y")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(showlegend=False)
    return base_layout(fig, height=120 + 40 * events["kind"].nunique())
