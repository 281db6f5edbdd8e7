"""The programme calendar: ISO weeks, the weekly bulletin deadline and when a week's
bulletins are published, the programme's weeks and phase windows of a promotion, month
arithmetic. Pure functions of a promotion's settings; services pass `now` so tests can move
the clock (docs/design.md, Publication)."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from holidays import HolidayBase
from holidays.countries.france import France  # by name: `holidays.France` loads it on the first call
from pydantic import BaseModel

from lib import formats
from lib.config import get_settings
from lib.i18n import t

if TYPE_CHECKING:
    from lib.models import Promotion

WEEK = dt.timedelta(days=7)


def now_utc() -> dt.datetime:
    """The real clock, or SUIVI_FAKE_NOW (an aware ISO datetime) outside production,
    so end-to-end tests can move the app's clock without sleeping."""
    settings = get_settings()
    if settings.fake_now and not settings.is_production:
        return dt.datetime.fromisoformat(settings.fake_now).astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def today_local(tz: str = "Europe/Paris") -> dt.date:
    return now_utc().astimezone(ZoneInfo(tz)).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the end of shorter months (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def iso_week_of(day: dt.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def week_monday(iso_year: int, iso_week: int) -> dt.date:
    return dt.date.fromisocalendar(iso_year, iso_week, 1)


def week_label(iso_year: int, iso_week: int) -> str:
    """A week for tables and axes, « S48 (23-29 nov.) »: readers never see ISO codes."""
    return formats.iso_week(iso_year, iso_week, short=True)


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> HolidayBase:
    return France(years=year)


def is_working_day(day: dt.date) -> bool:
    return day.isoweekday() <= 5 and day not in _french_holidays(day.year)


def week_deadline(iso_year: int, iso_week: int, weekday: int = 5, at: str = "15:00",
                  tz: str = "Europe/Paris") -> dt.datetime:
    """The bulletin deadline of an ISO week, in UTC: the promotion's weekday and local
    time, moved back to the previous working day when that day is a French public holiday
    (the programme publishes the recap on a working day)."""
    day = dt.date.fromisocalendar(iso_year, iso_week, weekday)
    while day in _french_holidays(day.year):
        day -= dt.timedelta(days=1)
        while day.isoweekday() > 5:
            day -= dt.timedelta(days=1)
    hour, minute = (int(p) for p in at.split(":"))
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC)


def due_in_words(due: dt.datetime | dt.date, now: dt.datetime, tz: str = "Europe/Paris") -> str:
    """A deadline as the home page's to-do says it, from `now`: « avant vendredi 15:00 »,
    « aujourd'hui », « demain avant 15:00 », « d'ici le 07/02 », « en retard de 3 jours ».
    A datetime is a deadline at a time of day; a date is due by the end of that day."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if isinstance(due, dt.datetime):
        local = due.astimezone(ZoneInfo(tz))
        day, at = local.date(), formats.time(due, tz)
        if due <= now:
            late = (today - day).days
            return t("due.late_since", at=at) if late == 0 else t("due.late", n=late)
    else:
        day, at = due, None
        late = (today - day).days
        if late > 0:
            return t("due.late", n=late)
    ahead = (day - today).days
    if ahead == 0:
        return t("due.today_at", at=at) if at else t("due.today")
    if ahead == 1:
        return t("due.tomorrow_at", at=at) if at else t("due.tomorrow")
    if ahead < 7:
        weekday = formats.weekday(day)
        return t("due.weekday_at", day=weekday, at=at) if at else t("due.weekday", day=weekday)
    date = formats.day_short(day)
    return t("due.date_at", date=date, at=at) if at else t("due.date", date=date)


def waiting_in_words(since: dt.datetime, now: dt.datetime, tz: str = "Europe/Paris") -> str:
    """How long something has waited (a help request), in calendar days where it is read:
    « en attente depuis aujourd'hui », « depuis hier », « depuis 3 jours »."""
    zone = ZoneInfo(tz)
    days = (now.astimezone(zone).date() - since.astimezone(zone).date()).days
    if days <= 0:
        return t("waiting.today")
    return t("waiting.yesterday") if days == 1 else t("waiting.days", n=days)


def day_in_words(day: dt.date, today: dt.date) -> str:
    """An upcoming day (a key date, a committee): « aujourd'hui », « demain », « jeudi 14/01 »,
    « dans 12 jours (le 28/01) »; a past day as « il y a 3 jours »."""
    ahead = (day - today).days
    if ahead < 0:
        return t("day.yesterday") if ahead == -1 else t("day.past", n=-ahead)
    if ahead <= 1:
        return t("day.today" if ahead == 0 else "day.tomorrow")
    if ahead < 7:
        return t("day.weekday", day=formats.weekday(day), date=formats.day_short(day))
    return t("day.later", n=ahead, date=formats.day_short(day))


def plan_windows(start: dt.date, months: list[int]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive [start, end) windows of the given month lengths from `start`."""
    windows, cursor, elapsed = [], start, 0
    for length in months:
        elapsed += length
        end = add_months(start, elapsed)
        windows.append((cursor, end))
        cursor = end
    return windows


# --- A promotion's calendar ----------------------------------------------------------------


def local_today(promotion: Promotion, now: dt.datetime) -> dt.date:
    """The day `now` falls on in the promotion's timezone."""
    return now.astimezone(ZoneInfo(promotion.timezone)).date()


def current_week(promotion: Promotion, now: dt.datetime) -> tuple[int, int]:
    """The ISO week `now` falls in, in the promotion's timezone."""
    return iso_week_of(local_today(promotion, now))


def deadline_of(promotion: Promotion, iso_year: int, iso_week: int) -> dt.datetime:
    return week_deadline(iso_year, iso_week, promotion.deadline_weekday, promotion.deadline_time,
                         promotion.timezone)


def next_deadline(promotion: Promotion, iso_year: int, iso_week: int) -> dt.datetime:
    """The deadline of the week after: when a closed week's team may file again."""
    return deadline_of(promotion, *iso_week_of(week_monday(iso_year, iso_week) + WEEK))


def is_published(promotion: Promotion, iso_year: int, iso_week: int, now: dt.datetime) -> bool:
    """A week's bulletins go public to the whole promotion at that week's deadline."""
    return now >= deadline_of(promotion, iso_year, iso_week)


def published_until(promotion: Promotion, now: dt.datetime) -> dt.date:
    """Monday of the latest week whose deadline has passed: every bulletin with
    week_start <= that Monday is published (deadlines grow with the weeks). Before the
    programme starts, a Monday before its first week: nothing is published."""
    year, week = current_week(promotion, now)
    monday = week_monday(year, week) + WEEK  # a holiday could pull next week's deadline back
    for _ in range(4):
        if is_published(promotion, *iso_week_of(monday), now):
            return monday
        monday -= WEEK
    return monday


def in_progress_week(promotion: Promotion, now: dt.datetime) -> dt.date | None:
    """Monday of the week « en cours »: the current week until its deadline, None after it.

    The one rule every count over weeks follows (participation, heatmap, streaks, risk, recap,
    dossier): a week in progress is drawn apart and never counted as missing or in a rate,
    since its EIGs may still file; from its deadline on it is closed, published and counted."""
    year, week = current_week(promotion, now)
    return None if is_published(promotion, year, week, now) else week_monday(year, week)


def closed_weeks(promotion: Promotion, now: dt.datetime, count: int) -> list[dt.date]:
    """Mondays of the last `count` closed weeks (deadline passed), oldest first, inside the
    programme."""
    last = published_until(promotion, now)
    start, end = programme_start(promotion), programme_end(promotion)
    mondays = [last - k * WEEK for k in range(count - 1, -1, -1)]
    return [m for m in mondays if start <= m < end]


class ProgrammeClock(BaseModel):
    """Where a week sits in the programme: « semaine 14 du programme sur 43, phase 2 »."""

    week: int
    total: int
    phase: int | None

    @property
    def label(self) -> str:
        if self.phase is None:
            return t("retro.clock_no_phase", n=self.week, total=self.total)
        return t("retro.clock", n=self.week, total=self.total, phase=self.phase)


def programme_start(promotion: Promotion) -> dt.date:
    return promotion.start_date - dt.timedelta(days=promotion.start_date.weekday())


def programme_end(promotion: Promotion) -> dt.date:
    return add_months(promotion.start_date, promotion.months)


def runs_on(promotion: Promotion, day: dt.date) -> bool:
    """Whether the promotion's programme runs on `day`: from the Monday of its first week to
    its end (the days the risk rules apply)."""
    return programme_start(promotion) <= day < programme_end(promotion)


def working_day(day: dt.date, step: int = -1) -> dt.date:
    """`day` if people work then, else the nearest working day before it (after it, step=1):
    a deadline's eve is `working_day(deadline - 1 day)`, Wednesday when Friday is a public
    holiday and the deadline moved to Thursday; committees and trainings fall on one."""
    while not is_working_day(day):
        day += dt.timedelta(days=step)
    return day


def programme_weeks(promotion: Promotion) -> int:
    return ((programme_end(promotion) - programme_start(promotion)).days + 6) // 7


def programme_clock(promotion: Promotion, windows: list[tuple[int, dt.date, dt.date]],
                    monday: dt.date) -> ProgrammeClock:
    """The programme clock of the week starting `monday` (phase by the promotion's plan)."""
    week = (monday - programme_start(promotion)).days // 7 + 1
    # The phase of the week is the one its working days mostly fall in: take Thursday.
    thursday = monday + dt.timedelta(days=3)
    phase = next((n for n, start, end in windows if start <= thursday < end), None)
    return ProgrammeClock(week=week, total=programme_weeks(promotion), phase=phase)
