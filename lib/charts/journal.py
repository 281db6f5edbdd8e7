"""Charts of the carnet de bord and the monthly carnet: pure DataFrame -> Figure functions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.charts.common import PALETTE, base_layout, plain
from lib.i18n import t
from lib.models import Category
from lib.programme import CATEGORY_LABELS

CATEGORY_COLOURS = {c.value: PALETTE[i % len(PALETTE)] for i, c in enumerate(Category)}
GOOD, BAD = "#009E73", "#D55E00"


def category_name(letter: str) -> str:
    return f"{letter} · {CATEGORY_LABELS[Category(letter)].split(' (')[0]}"


def weekly_stacked(df: pd.DataFrame) -> go.Figure:
    """Entries per week (columns week, category, entries), stacked by category."""
    fig = go.Figure()
    for category in Category:
        part = df[df["category"] == category.value]
        if part.empty:
            continue
        fig.add_trace(go.Bar(x=part["week"], y=part["entries"], name=category_name(category.value),
                             marker_color=CATEGORY_COLOURS[category.value],
                             hovertemplate="%{x|%d/%m/%Y} : %{y}<extra>" + category_name(category.value)
                                           + "</extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="date", tickformat="%d/%m/%y")
    fig.update_yaxes(title=t("journal.chart.entries"))
    return base_layout(fig)


def category_share(df: pd.DataFrame) -> go.Figure:
    """Share of each category (columns category, label, entries) as a donut."""
    fig = go.Figure(go.Pie(labels=[category_name(c) for c in df["category"]], values=df["entries"], hole=0.45,
                           name=t("journal.chart.entries"), sort=False,
                           marker={"colors": [CATEGORY_COLOURS[c] for c in df["category"]]},
                           textinfo="percent", hovertemplate="%{label} : %{value} (%{percent})<extra></extra>"))
    return base_layout(fig)


def news_by_month(df: pd.DataFrame) -> go.Figure:
    """Good vs bad news per month (columns month, good, bad)."""
    fig = go.Figure([
        go.Bar(x=df["month"], y=df["good"], name=t("journal.chart.good"), marker_color=GOOD),
        go.Bar(x=df["month"], y=df["bad"], name=t("journal.chart.bad"), marker_color=BAD),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="date", dtick="M1", tickformat="%m/%Y")
    return base_layout(fig)


def ratings_over_time(df: pd.DataFrame) -> go.Figure:
    """Self-ratings (columns month, competency, rating), one line per competency."""
    fig = go.Figure()
    for i, (competency, part) in enumerate(df.groupby("competency", sort=False)):
        fig.add_trace(go.Scatter(x=part["month"], y=part["rating"], name=plain(competency), mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)]}))
    fig.update_yaxes(title=t("carnet.chart.rating"), range=[0.5, 4.5], dtick=1)
    fig.update_xaxes(type="date", dtick="M1", tickformat="%m/%Y")
    return base_layout(fig, height=360)
