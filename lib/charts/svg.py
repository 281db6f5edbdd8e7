"""Static charts for printed documents (the sponsor's one-pager): the geometry of small
inline SVGs, which a Jinja template draws (its autoescape covers every label). Pure
functions, no database, no script: a forwarded file needs neither plotly.js nor a network."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

WIDTH = 700
STATE_COLOURS = {"validee": "#18753c", "en_cours": "#000091", "en_retard": "#e1000f", "a_venir": "#c9c9d8"}


class Bar(BaseModel):
    y: float
    x: float
    width: float
    label: str  # full phase name, drawn left of the bars, never clipped by a bar
    detail: str
    colour: str


class Timeline(BaseModel):
    height: float
    label_width: float
    bars: list[Bar]
    today_x: float | None
    start: str
    end: str


def timeline(rows: list[tuple[str, dt.date, dt.date, str, str]], today: dt.date, label_width: float = 230,
             row: float = 24) -> Timeline:
    """Phases (label, start, end, state, detail) as bars on one time axis, labels in their
    own column wide enough for the programme's phase names."""
    first, last = min(r[1] for r in rows), max(r[2] for r in rows)
    span = max(1, (last - first).days)
    scale = (WIDTH - label_width - 10) / span

    def x(day: dt.date) -> float:
        return round(label_width + (day - first).days * scale, 1)

    bars = [Bar(y=8 + i * row, x=x(start), width=max(2.0, round((end - start).days * scale, 1)), label=label,
                detail=detail, colour=STATE_COLOURS.get(state, "#666"))
            for i, (label, start, end, state, detail) in enumerate(rows)]
    return Timeline(height=8 + len(rows) * row + 18, label_width=label_width, bars=bars,
                    today_x=x(today) if first <= today <= last else None,
                    start=f"{first:%d/%m/%Y}", end=f"{last:%d/%m/%Y}")


class Point(BaseModel):
    x: float
    y: float
    value: int


class MoodChart(BaseModel):
    height: float
    segments: list[str]  # polyline points; a week without a bulletin breaks the line
    points: list[Point]
    ticks: list[tuple[float, str]]  # x, week label
    levels: list[tuple[float, str]]  # y, mood label


def mood(values: list[tuple[str, float | None]], labels: dict[int, str], height: float = 110) -> MoodChart:
    """Weekly moods (1-4) as a line over the weeks, gaps where none was filed."""
    left, top, bottom = 90, 8, 20
    step = (WIDTH - left - 24) / max(1, len(values) - 1)  # room for the last week label

    def y(level: float) -> float:
        return round(top + (4 - level) * (height - top - bottom) / 3, 1)

    points, segments, current = [], [], []
    for i, (_, value) in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        p = Point(x=round(left + i * step, 1), y=y(value), value=int(value))
        points.append(p)
        current.append(f"{p.x},{p.y}")
    if current:
        segments.append(current)
    return MoodChart(height=height, segments=[" ".join(s) for s in segments if len(s) > 1], points=points,
                     ticks=[(round(left + i * step, 1), week) for i, (week, _) in enumerate(values)],
                     levels=[(y(level), labels[level]) for level in (4, 3, 2, 1)])


class Progress(BaseModel):
    y: float
    label: str  # the indicator's full name, on its own line above the bar
    detail: str
    width: float
    percent: str


class ProgressChart(BaseModel):
    height: float
    bars: list[Progress]
    full: float  # the bar's length at 100 %


def progress(rows: list[tuple[str, str, float]], row: float = 30) -> ProgressChart:
    """Indicators (name, detail, share of the way from baseline to target) as bars, capped
    at 0 and 100 % with the true percentage written beside."""
    full = WIDTH - 80
    bars = [Progress(y=4 + i * row, label=label, detail=detail, width=round(max(0.0, min(1.0, share)) * full, 1),
                     percent=f"{100 * share:.0f} %") for i, (label, detail, share) in enumerate(rows)]
    return ProgressChart(height=4 + len(rows) * row + 2, bars=bars, full=full)
