"""Palette and layout shared by every chart."""

from __future__ import annotations

import html

import plotly.graph_objects as go

# Okabe-Ito, colour-blind safe; bleu France first for the identity.
PALETTE = ["#000091", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
STATE_COLOURS = {
    "validee": "#009E73",  # validée par le comité
    "en_cours": "#000091",
    "en_retard": "#D55E00",
    "a_venir": "#BBBBBB",
}
MOOD_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#56B4E9", 4: "#009E73"}
MISSING_COLOUR = "#E5E5E5"


def plain(text: str) -> str:
    """User text for a Plotly label: Plotly draws tags such as <a href> and <b>, so they are
    escaped and show as typed (Plotly decodes &lt; &gt; &amp;)."""
    return html.escape(text, quote=False)


def spec(figure: go.Figure | None) -> dict | None:
    """What is cached of a figure: its dict, validated when the figure was built. A cached
    Figure would come back from `st.cache_data` by unpickling, which plotly does through a
    full validation, nearly the cost of building it; a dict comes back in a fraction of a
    millisecond."""
    return None if figure is None else figure.to_dict()


def redraw(figure: dict) -> go.Figure:
    """A figure again from its `spec`, without validating it a second time (as plotly loads
    its own templates): what st.plotly_chart sends is the same as for the built figure."""
    return go.Figure(figure, _validate=False)


def base_layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    fig.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                      font={"family": "Marianne, Arial, sans-serif"}, legend={"orientation": "h", "y": -0.2},
                      colorway=PALETTE, plot_bgcolor="white")
    return fig
