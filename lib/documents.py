"""Documents people send (the committee dossier, the sponsor's one-pager, the weekly recap
mail): Jinja2 templates under `lib/templates/`, autoescaped, so user text is never markup in
them, and the formats they share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from lib import formats
from lib.i18n import t


def fmt_date(day: dt.date | dt.datetime | None) -> str:
    return formats.date(day)


def fmt_value(value: float | None, unit: str, on: dt.date | None = None) -> str:
    """12 500 utilisateurs (03/11/2026): a value with its unit and, when given, its date."""
    if value is None:
        return "—"
    text = formats.quantity(value, unit)
    return f"{text} ({fmt_date(on)})" if on else text


def embed(figures: list[tuple[str, go.Figure]]) -> dict[str, Markup]:
    """Each figure as an HTML fragment, keyed like the input; plotly.js comes with the first
    one only, so a document carries it once however many charts it holds."""
    return {key: Markup(fig.to_html(full_html=False, include_plotlyjs=index == 0,
                                    config={"displayModeBar": False}))
            for index, (key, fig) in enumerate(figures)}


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),  # `.txt` twins (plain-text mails) are not HTML
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_TEMPLATES.globals["t"] = t
_TEMPLATES.filters["date"] = fmt_date
_TEMPLATES.filters["value"] = fmt_value


def render(template: str, **context: object) -> str:
    """`template` (a file of lib/templates/) filled with `context`."""
    return _TEMPLATES.get_template(template).render(**context)
