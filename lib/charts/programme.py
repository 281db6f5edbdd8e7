"""Charts of the programme's figures: pérennisation outcomes and ouverture per promotion,
and the comparison of promotions on the programme clock. Pure functions DataFrame ->
Figure; the programme page shows each with its table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.charts.common import PALETTE, base_layout, plain
from lib.i18n import t
from lib.programme import MOOD_EMOJI

# Outcome colours: production in green, planned in blue, none in orange, abandoned in vermilion.
OUTCOME_COLOURS = {"en_production": "#009E73", "mise_en_production_prevue": "#56B4E9",
                   "pas_de_mise_en_production": "#E69F00", "abandonne": "#D55E00", "non_renseigne": "#BBBBBB"}
OUVERTURE = ["public_code", "with_datasets", "with_libraries"]


def outcomes_bar(figures: pd.DataFrame) -> go.Figure:
    """Défis of each promotion stacked by pérennisation outcome."""
    promotions = [plain(p) for p in figures["promotion"]]
    fig = go.Figure([go.Bar(name=t(f"programme.outcome.{outcome}"), x=promotions, y=figures[outcome],
                            marker_color=colour, hovertemplate="%{x} · %{y}<extra>%{fullData.name}</extra>")
                     for outcome, colour in OUTCOME_COLOURS.items()])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("programme.col.defis"), rangemode="tozero")
    return base_layout(fig)


def ouverture_bar(figures: pd.DataFrame) -> go.Figure:
    """Défis of each promotion with public code, with published datasets, with libraries."""
    promotions = [plain(p) for p in figures["promotion"]]
    fig = go.Figure([go.Bar(name=t(f"programme.col.{column}"), x=promotions, y=figures[column],
                            marker_color=PALETTE[i], hovertemplate="%{x} · %{y}<extra>%{fullData.name}</extra>")
                     for i, column in enumerate(OUVERTURE)])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=t("programme.col.defis"), rangemode="tozero")
    return base_layout(fig)


def clock_lines(weekly: pd.DataFrame, value: str, current: str | None = None) -> go.Figure:
    """One line per promotion over the programme weeks; the current promotion drawn thicker."""
    fig = go.Figure()
    for i, (promotion, rows) in enumerate(weekly.groupby("promotion", sort=False)):
        width = 4 if promotion == current else 2
        fig.add_trace(go.Scatter(x=rows["programme_week"], y=rows[value], name=plain(promotion), mode="lines+markers",
                                 connectgaps=False, line={"color": PALETTE[i % len(PALETTE)], "width": width},
                                 marker={"size": 5}, hovertemplate="S%{x} · %{y:.2f}<extra>%{fullData.name}</extra>"))
    fig.update_xaxes(title=t("programme.col.programme_week"), dtick=4)
    _value_axis(fig, value)
    return base_layout(fig, height=340)


def phase_bars(per_phase: pd.DataFrame, value: str) -> go.Figure:
    """Per phase, one bar per promotion."""
    fig = go.Figure([go.Bar(name=plain(promotion), x=[f"{t('programme.phase')} {p}" for p in rows["phase"]],
                            y=rows[value],
                            marker_color=PALETTE[i % len(PALETTE)],
                            hovertemplate="%{x} · %{y:.2f}<extra>%{fullData.name}</extra>")
                     for i, (promotion, rows) in enumerate(per_phase.groupby("promotion", sort=False))])
    fig.update_layout(barmode="group")
    _value_axis(fig, value)
    return base_layout(fig)


def _value_axis(fig: go.Figure, value: str) -> None:
    if value == "mood":
        fig.update_yaxes(range=[0.5, 4.5], tickvals=[1, 2, 3, 4], ticktext=[MOOD_EMOJI[m] for m in range(1, 5)],
                         title=t("programme.col.mood"))
    else:
        fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title=t("programme.col.participation"))
