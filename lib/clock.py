"""Calendar rules of the programme: ISO weeks, the weekly bulletin deadline, month
arithmetic. Pure functions; services pass `now` so tests can move the clock."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from lib import formats
from lib.config import get_settings
from lib.i18n import t


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
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.France(years=year)


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
