"""Figures as the pages draw them, cached like the reads they chart (docs/design.md, Architecture:
Caching). Each function takes the acting user and the read's arguments (`defi_id`, `promotion_id`
under those names, which scope the cache), reads through the cached read and builds with the pure
chart functions of this package. Pages call it through `ui.cached`: a warm run neither reads nor
builds, and a write to what it charts builds it again. What comes back is each figure's dict
(`common.spec`), which `ui.chart` draws; None where the page draws no figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from lib import bulletins, carnets, committees, dossier, indicators, journal, key_dates, phases, portfolio, sponsor
from lib import programme_figures as figures
from lib.charts import home, retro
from lib.charts import indicators as indicator_charts
from lib.charts import journal as journal_charts
from lib.charts import phases as phase_charts
from lib.charts import programme as programme_charts
from lib.charts.common import spec
from lib.journal import JournalFilters
from lib.permissions import Actor
from lib.ui.cache import cached

# --- Indicateurs ------------------------------------------------------------------------------------


class IndicatorFigures(NamedTuple):
    progress: dict | None  # every indicator towards its target, when one has a progress
    measurements: dict[int, dict]  # by indicator id, for those measured


def indicator_figures(actor: Actor, defi_id: int) -> IndicatorFigures:
    """The défi's indicators page: the overview and each measured indicator's chart."""
    shown = cached(indicators.defi_indicators)(actor, defi_id).indicators
    return IndicatorFigures(progress=progress_figure(shown), measurements={
        i.id: spec(indicator_charts.indicator_chart(indicators.measurements_table(i), i.unit, i.baseline, i.target))
        for i in shown if i.measurements})


def progress_figure(shown: list) -> dict | None:
    """Indicators' progress towards their targets, when one has a progress."""
    table = indicators.indicators_table(shown)
    return spec(indicator_charts.progress_chart(table)) if shown and table["progress"].notna().any() else None


# --- Phases -----------------------------------------------------------------------------------------


class PhaseFigures(NamedTuple):
    gantt: dict
    progress: dict


def defi_phase_figures(actor: Actor, defi_id: int, today: dt.date) -> PhaseFigures | None:
    """The défi's phases on their time line and their progress; None before any phase."""
    views = cached(phases.defi_phases)(actor, defi_id, today)
    if not views:
        return None
    return PhaseFigures(gantt=spec(phase_charts.defi_gantt(views, today)),
                        progress=spec(phase_charts.progress_bars(phases.progress_table(views))))


def promotion_timeline_figure(actor: Actor, promotion_id: int, today: dt.date) -> dict | None:
    """Every défi of the promotion on one time axis; None when it has no phase."""
    timeline = cached(phases.promotion_timeline)(actor, promotion_id, today)
    return None if timeline.empty else spec(phase_charts.promotion_timeline(timeline, today))


# --- Indicateurs du programme -----------------------------------------------------------------------


class ProgrammeFigures(NamedTuple):
    outcomes: dict
    ouverture: dict


def programme_figures(actor: Actor) -> ProgrammeFigures:
    """The défis' outcomes and ouverture by promotion."""
    per_promotion = cached(figures.promotion_figures)(actor)
    return ProgrammeFigures(outcomes=spec(programme_charts.outcomes_bar(per_promotion)),
                            ouverture=spec(programme_charts.ouverture_bar(per_promotion)))


class ClockFigures(NamedTuple):
    by_week: dict
    by_phase: dict


def clock_figures(actor: Actor, now: dt.datetime, value: str, current: str | None) -> ClockFigures:
    """Promotions compared on the programme clock by `value` (mood or participation), week by
    week and phase by phase, the `current` promotion highlighted."""
    weekly = cached(figures.clock_comparison)(actor, now)
    return ClockFigures(by_week=spec(programme_charts.clock_lines(weekly, value, current)),
                        by_phase=spec(programme_charts.phase_bars(figures.by_phase(weekly), value)))


# --- Rétrospectives ---------------------------------------------------------------------------------


def mood_figure(actor: Actor, defi_id: int, axis: str, now: dt.datetime | None = None) -> dict:
    """The défi's mood, week after week, on the calendar or the programme clock."""
    return spec(retro.mood_line(cached(bulletins.mood_trend)(actor, defi_id, now), axis))


def heatmap_figure(actor: Actor, promotion_id: int, axis: str, now: dt.datetime | None = None) -> dict:
    """The promotion's mood per défi and week."""
    return spec(retro.heatmap(cached(bulletins.promotion_heatmap)(actor, promotion_id, now), axis))


def participation_figure(actor: Actor, promotion_id: int, axis: str, now: dt.datetime | None = None) -> dict:
    """The promotion's participation rate per week."""
    return spec(retro.participation_bars(cached(bulletins.participation)(actor, promotion_id, now), axis))


def mood_by_phase_figure(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> dict:
    """The promotion's moods counted per phase."""
    return spec(retro.mood_distribution(cached(bulletins.mood_by_phase)(actor, promotion_id, now)))


# --- Accueil ----------------------------------------------------------------------------------------


def member_phase_strips(actor: Actor, promotion_id: int, today: dt.date) -> dict[int, dict]:
    """Each of the member's défis' phases as one strip, by défi id (those with phases)."""
    return {s.defi.id: spec(home.phase_strip(s.phases, today))
            for s in cached(portfolio.defi_statuses)(actor, promotion_id) if s.phases}


class SponsorFigures(NamedTuple):
    gantt: dict | None
    mood: dict | None
    progress: dict | None


def sponsor_figures(actor: Actor, promotion_id: int) -> dict[int, SponsorFigures]:
    """The charts of each défi the porteur or sponsor follows, by défi id."""
    drawn = {}
    for b in cached(sponsor.my_view)(actor, promotion_id).briefs:
        moods = sponsor.moods_table(b)
        drawn[b.defi_id] = SponsorFigures(
            gantt=spec(phase_charts.defi_gantt(b.phases, b.today)) if b.phases else None,
            mood=spec(retro.mood_line(moods)) if moods["mood"].notna().any() else None,
            progress=progress_figure(b.indicators))
    return drawn


# --- Carnet de bord, Mon carnet ---------------------------------------------------------------------


class JournalFigures(NamedTuple):
    weekly: dict | None  # None: the filters leave no entry
    share: dict | None
    news: dict | None


def journal_figures(actor: Actor, defi_id: int, filters: JournalFilters) -> JournalFigures:
    """The charts of the défi's journal entries the filters leave."""

    def drawn(read, chart) -> dict | None:  # noqa: ANN001 - a read service, a chart of its frame
        data = cached(read)(actor, defi_id, filters)
        return None if data.empty else spec(chart(data))

    return JournalFigures(weekly=drawn(journal.weekly_by_category, journal_charts.weekly_stacked),
                          share=drawn(journal.category_share, journal_charts.category_share),
                          news=drawn(journal.news_by_month, journal_charts.news_by_month))


def ratings_figure(actor: Actor, defi_id: int, user_id: int) -> dict | None:
    """An EIG's self-ratings over their monthly carnets; None before any."""
    ratings = cached(carnets.ratings_history)(actor, defi_id, user_id)
    return None if ratings.empty else spec(journal_charts.ratings_over_time(ratings))


# --- Comités ----------------------------------------------------------------------------------------


class DossierFigures(NamedTuple):
    mood: dict | None
    categories: dict | None
    indicators: dict | None


def dossier_figures(actor: Actor, defi_id: int, defi_phase_id: int) -> DossierFigures:
    """The charts of a phase's committee dossier; `defi_id` is the phase's défi (what a write
    to the dossier's data changes)."""
    d = cached(dossier.committee_dossier)(actor, defi_phase_id)
    moved = dossier.indicators_frame(d)
    return DossierFigures(
        mood=spec(phase_charts.mood_trend(dossier.moods_frame(d))) if d.moods else None,
        categories=spec(phase_charts.journal_categories(dossier.categories_frame(d))) if d.categories else None,
        indicators=spec(phase_charts.indicator_movement(moved))
        if not moved.empty and moved["end_pct"].notna().any() else None)


def committee_ratings_figure(actor: Actor, defi_id: int) -> dict | None:
    """The défi's committees' ratings on each axis across phases; None before any rating."""
    history = cached(committees.committee_history)(actor, defi_id)
    rated = not history.empty and history[[f"{a}_rating" for a in committees.AXES]].notna().any().any()
    return spec(phase_charts.axis_ratings(history)) if rated else None


# --- Dates clés -------------------------------------------------------------------------------------


def calendar_figure(actor: Actor, promotion_id: int, defi_ids: Sequence[int] | None, kinds: Sequence[str],
                    now: dt.datetime, today: dt.date, show_past: bool) -> dict | None:
    """The promotion's (or the défis') calendar on a time line, from this week on unless
    `show_past`; None when nothing is left to show."""
    events = cached(key_dates.calendar)(actor, promotion_id, defi_ids, kinds, now)
    shown = events if show_past else events[events["week_start"] >= today - dt.timedelta(days=today.weekday())]
    return None if shown.empty else spec(retro.calendar_timeline(shown, today))
