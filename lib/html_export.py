"""Self-contained HTML documents people send by email (the committee dossier, the sponsor's
one-page view): every piece of user text escaped, plotly.js inlined once, charts embedded,
one style sheet in the programme's colours. Opens offline in any browser."""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go

from lib import formats


def e(value: object) -> str:
    """Escaped text: user input is never markup here."""
    return html.escape("" if value is None else str(value))


def fmt_date(day: dt.date | dt.datetime | None) -> str:
    return formats.date(day)


def fmt_value(value: float | None, unit: str, on: dt.date | None = None) -> str:
    """12 500 utilisateurs (03/11/2026): a value with its unit and, when given, its date."""
    if value is None:
        return "—"
    text = f"{formats.number(value)} {unit}".strip()
    return f"{text} ({fmt_date(on)})" if on else text


def table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def embed(figures: list[tuple[str, go.Figure]]) -> dict[str, str]:
    """Each figure as an HTML fragment, keyed like the input; plotly.js comes with the first
    one only, so a document carries it once however many charts it holds."""
    return {key: fig.to_html(full_html=False, include_plotlyjs=index == 0, config={"displayModeBar": False})
            for index, (key, fig) in enumerate(figures)}


def document(title: str, parts: list[str], extra_css: str = "") -> str:
    """The whole file: `parts` are HTML fragments already escaped by their authors."""
    return ("<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
            f"<title>{e(title)}</title><style>{CSS}{extra_css}</style></head><body>"
            + "\n".join(parts) + "</body></html>")


CSS = """
body { font-family: Marianne, Arial, sans-serif; max-width: 960px; margin: 2rem auto; color: #161616; }
h1 { color: #000091; } h2 { color: #000091; border-bottom: 2px solid #000091; padding-bottom: .2rem; }
.meta { color: #666; } table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0ff; }
"""
