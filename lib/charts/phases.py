"""Charts of phases and committees: the Gantt of a défi (planned vs actual windows,
today's line, committees as markers), the promotion-wide timeline, progress bars,
axis ratings across phases, and the committee dossier's charts. Pure functions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from lib import formats
from lib.charts.common import MOOD_COLOURS, PALETTE, STATE_COLOURS, base_layout, plain
from lib.i18n import t

DAY_MS = 86_400_000
TODAY_COLOUR = "#E1000F"  # rouge Marianne
AXIS_COLOURS = {"entrepreneuriat": PALETTE[0], "innovation": PALETTE[1], "transformation": PALETTE[3]}


def _ms(day: dt.date | dt.datetime) -> float:
    if isinstance(day, dt.datetime):
        return day.timestamp() * 1000
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp() * 1000


def _today_line(fig: go.Figure, today: dt.date) -> None:
    fig.add_vline(x=_ms(today), line_color=TODAY_COLOUR, line_dash="dot", line_width=2)
    fig.add_annotation(x=_ms(today), y=1.02, yref="paper", text=t("charts.phases.today"), showarrow=False,
                       font={"color": TODAY_COLOUR, "size": 11})


def defi_gantt(phases: list, today: dt.date) -> go.Figure:
    """One row per phase: the templates' plan as a thin grey outline, the actual window as
    a bar coloured by state, the committee as a diamond, today as a red dotted line."""
    fig = go.Figure()
    labels = [f"{p.number}. {plain(p.name)}" for p in phases]
    fig.add_trace(go.Bar(
        y=labels, x=[(p.template_end - p.template_start).days * DAY_MS for p in phases],
        base=[p.template_start.isoformat() for p in phases], orientation="h", width=0.8,
        marker={"color": "rgba(0,0,0,0)", "line": {"color": "#666666", "width": 1.5}},
        name=t("charts.phases.planned"),
        hovertext=[f"{formats.date(p.template_start)} → {formats.date(p.template_end)}" for p in phases],
        hovertemplate="%{y}<br>" + t("charts.phases.planned") + " : %{hovertext}<extra></extra>"))
    for state in ("validee", "en_cours", "en_retard", "a_venir"):
        rows = [p for p in phases if p.state == state]
        if not rows:
            continue
        fig.add_trace(go.Bar(
            y=[f"{p.number}. {plain(p.name)}" for p in rows],
            x=[(p.planned_end - p.planned_start).days * DAY_MS for p in rows],
            base=[p.planned_start.isoformat() for p in rows], orientation="h", width=0.5,
            marker_color=STATE_COLOURS[state], name=t(f"phase_state.{state}"),
            text=[f"{p.objectives_done}/{len(p.objectives)}" if p.objectives else "" for p in rows],
            textposition="inside",
            hovertext=[f"{formats.date(p.planned_start)} → {formats.date(p.planned_end)}" for p in rows],
            hovertemplate="%{y}<br>%{hovertext}<br>" + t(f"phase_state.{state}") + "<extra></extra>"))
    committees = [p for p in phases if p.committee_at]
    if committees:
        fig.add_trace(go.Scatter(
            y=[f"{p.number}. {plain(p.name)}" for p in committees], x=[p.committee_at.isoformat() for p in committees],
            mode="markers", marker={"symbol": "diamond", "size": 13, "color": PALETTE[1],
                                    "line": {"color": "#000000", "width": 1}},
            name=t("charts.phases.committee"),
            hovertemplate=t("charts.phases.committee") + " : %{x|%d/%m/%Y}<extra></extra>"))
    _today_line(fig, today)
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    fig.update_xaxes(type="date", tickformat="%d/%m/%y")
    return base_layout(fig, height=110 + 48 * len(phases))


def promotion_timeline(timeline: pd.DataFrame, today: dt.date) -> go.Figure:
    """Every défi of the promotion on one time axis, each phase coloured by its state."""
    fig = go.Figure()
    for state in ("validee", "en_cours", "en_retard", "a_venir"):
        rows = timeline[timeline["state"] == state]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            y=[plain(d) for d in rows["defi"]],
            x=[(b - a).days * DAY_MS for a, b in zip(rows["start"], rows["end"], strict=True)],
            base=[a.isoformat() for a in rows["start"]], orientation="h", marker_color=STATE_COLOURS[state],
            marker_line={"color": "white", "width": 1}, name=t(f"phase_state.{state}"),
            text=rows["number"].astype(str), textposition="inside", insidetextanchor="middle",
            hovertext=[f"{plain(p)} · {formats.date(a)} → {formats.date(b)}"
                       for p, a, b in zip(rows["phase"], rows["start"], rows["end"], strict=True)],
            hovertemplate="%{y}<br>%{hovertext}<extra></extra>"))
    _today_line(fig, today)
    n = timeline["defi"].nunique()
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="date", tickformat="%m/%y")
    return base_layout(fig, height=110 + 30 * max(n, 1))


def progress_bars(progress: pd.DataFrame) -> go.Figure:
    """Per phase, two bars: share of objectives done, share of time elapsed (percent)."""
    fig = go.Figure()
    phases = [plain(p) for p in progress["phase"]]
    fig.add_trace(go.Bar(y=phases, x=progress["objectives_pct"], orientation="h",
                         name=t("charts.phases.objectives"), marker_color=PALETTE[3],
                         text=[f"{v} %" for v in progress["objectives_pct"]], textposition="auto"))
    fig.add_trace(go.Bar(y=phases, x=progress["time_pct"], orientation="h", name=t("charts.phases.time"),
                         marker_color=PALETTE[8], text=[f"{v} %" for v in progress["time_pct"]], textposition="auto"))
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="group")
    return base_layout(fig, height=90 + 60 * len(progress))


def axis_ratings(history: pd.DataFrame) -> go.Figure:
    """The three impact axes rated 1-4 at each phase's committee."""
    fig = go.Figure()
    for axis, colour in AXIS_COLOURS.items():
        fig.add_trace(go.Scatter(x=history["phase"], y=history[f"{axis}_rating"], mode="lines+markers",
                                 name=t(f"committees.axis.{axis}"), line={"color": colour, "width": 3},
                                 marker={"size": 10}, connectgaps=False))
    fig.update_yaxes(range=[0.5, 4.5], tickvals=[1, 2, 3, 4],
                     ticktext=[t(f"committees.rating.{i}") for i in range(1, 5)])
    return base_layout(fig, height=320)


# --- The committee dossier -------------------------------------------------------------------------


def mood_trend(moods: pd.DataFrame) -> go.Figure:
    """The phase window's weekly mood (1-4), a bar per filed bulletin."""
    fig = go.Figure(go.Bar(x=moods["week_start"], y=moods["mood"], name=t("retro.col.mood"), showlegend=False,
                           marker_color=[MOOD_COLOURS.get(m, PALETTE[8]) for m in moods["mood"]],
                           hovertemplate="%{x|%d/%m/%Y} : %{y}<extra></extra>"))
    fig.update_yaxes(range=[0, 4.2], tickvals=[1, 2, 3, 4], ticktext=["☹️", "😐", "🙂", "😀"])
    fig.update_xaxes(type="date", tickformat="%d/%m")
    return base_layout(fig, height=240)


def journal_categories(categories: pd.DataFrame) -> go.Figure:
    """Journal entries per category, split into good, bad and neutral news."""
    fig = go.Figure()
    neutral = categories["entries"] - categories["good"] - categories["bad"]
    for name, values, colour in [(t("dossier.good"), categories["good"], PALETTE[3]),
                                 (t("dossier.neutral"), neutral, PALETTE[8]),
                                 (t("dossier.bad"), categories["bad"], PALETTE[6])]:
        fig.add_trace(go.Bar(y=categories["label"], x=values, orientation="h", name=name, marker_color=colour))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, height=90 + 28 * max(len(categories), 1))


def indicator_movement(indicators: pd.DataFrame) -> go.Figure:
    """Each indicator's value at the start and at the end of the window, as a share of its target."""
    fig = go.Figure()
    for column, name, colour in [("start_pct", t("dossier.indicator.start"), PALETTE[8]),
                                 ("end_pct", t("dossier.indicator.end"), PALETTE[0])]:
        fig.add_trace(go.Bar(y=indicators["name"], x=indicators[column], orientation="h", name=name,
                             marker_color=colour, hovertemplate="%{y} : %{x:.0f} %<extra></extra>"))
    fig.update_xaxes(ticksuffix=" %", title=t("dossier.indicator.of_target"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="group")
    return base_layout(fig, height=90 + 55 * max(len(indicators), 1))
