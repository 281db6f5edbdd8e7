"""Numbers, dates and weeks as French readers write them, through Babel (fr_FR). Every page,
export and e-mail formats with these, so one table never says 2026-11-23 and the next 23/11/2026,
and no ISO week code (2026-W48) reaches a reader."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

from lib.i18n import t

LOCALE = "fr_FR"
# The one date format, for Streamlit's date fields and table columns (moment.js tokens);
# it matches `date()` below.
DATE_FIELD = "DD/MM/YYYY"


def _day(value: object) -> dt.date:
    """Babel only asserts its argument is a date (and not at all under python -O): refuse
    anything else plainly."""
    if not isinstance(value, dt.date):
        raise TypeError(f"a date was expected, not {value!r}")
    return value


def date(day: dt.date | None) -> str:
    """« 23/11/2026 »; « — » for no date."""
    return "—" if day is None else format_date(_day(day), "dd/MM/y", locale=LOCALE)


def moment(when: dt.datetime, tz: str = "Europe/Paris") -> str:
    """« vendredi 20/11/2026 à 15:00 », in the given time zone."""
    local = when.astimezone(ZoneInfo(tz))
    return t("format.moment", day=format_date(local, "EEEE dd/MM/y", locale=LOCALE), time=time(local, tz))


def moment_in_words(when: dt.datetime, now: dt.datetime, tz: str = "Europe/Paris") -> str:
    """A past moment as a reader says it, from `now`: « aujourd'hui à 09:12 », « hier à 17:40 »,
    else `moment`'s « lundi 16/11/2026 à 10:00 »; calendar days where it is read."""
    zone = ZoneInfo(tz)
    days = (now.astimezone(zone).date() - when.astimezone(zone).date()).days
    if days in (0, 1):
        return t("format.today_at" if days == 0 else "format.yesterday_at", time=time(when, tz))
    return moment(when, tz)


def _monday(day: dt.date) -> dt.date:
    return _day(day) - dt.timedelta(days=day.weekday())


def day_of_month(day: dt.date, with_year: bool = False) -> str:
    """« 23 novembre », « 1er décembre » (French writes the first of the month as an ordinal),
    « 4 janvier 2027 » with the year."""
    text = format_date(_day(day), "d MMMM y" if with_year else "d MMMM", locale=LOCALE)
    return f"1er{text[1:]}" if day.day == 1 else text


def week(day: dt.date, with_year: bool = False) -> str:
    """The week holding `day`, in a sentence: « semaine du 23 novembre », « semaine du
    4 janvier 2027 » with the year."""
    return t("format.week", day=day_of_month(_monday(day), with_year))


def week_short(day: dt.date) -> str:
    """The week holding `day`, in a table or on an axis: « S48 (23-29 nov.) »,
    « S49 (30 nov.-6 déc.) » across two months."""
    monday = _monday(day)
    sunday = monday + dt.timedelta(days=6)
    end = format_date(sunday, "d MMM", locale=LOCALE)
    start = f"{monday.day}" if monday.month == sunday.month else format_date(monday, "d MMM", locale=LOCALE)
    return f"S{monday.isocalendar().week} ({start}-{end})"


def iso_week(iso_year: int, iso_week_number: int, short: bool = False) -> str:
    """An ISO week (year, number) as `week` or `week_short` words."""
    monday = dt.date.fromisocalendar(iso_year, iso_week_number, 1)
    return week_short(monday) if short else week(monday)


def month(day: dt.date) -> str:
    """« novembre 2026 »."""
    return format_date(_day(day), "MMMM y", locale=LOCALE)


def decimal(value: float | None, digits: int = 1) -> str:
    """« 3,0 » (a fixed number of decimals); « — » for no value."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=LOCALE)


def integer(value: int) -> str:
    """« 12 345 » (narrow no-break space between thousands)."""
    return format_decimal(value, format="#,##0", locale=LOCALE)


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.134) as « 13,4 % », with a no-break space before the sign."""
    if share is None:
        return "—"
    return format_percent(share, format="#,##0." + "0" * digits + "\u00a0%" if digits else "#,##0\u00a0%",
                          locale=LOCALE)


def number(value: float | None) -> str:
    """A measured value as written, up to three decimals: « 12 500 », « 3,5 »."""
    return "—" if value is None else format_decimal(value, locale=LOCALE)


def quantity(value: float, unit: str) -> str:
    """A measured value with the unit its indicator was given, typed once in the plural
    (« agents », « jeux de données »): « 40 agents », and where French writes the singular
    (below 2) the unit as a label, « 1 (agents) », since a typed word cannot be made singular.
    A symbol (« % », « € ») follows any number."""
    if not any(c.isalpha() for c in unit):
        return f"{number(value)} {unit}".strip()
    return t("format.quantity", n=int(abs(value)), value=number(value), unit=unit)


def day_month(day: dt.date) -> str:
    """« 23 nov. »: a short tick on a time axis."""
    return format_date(_day(day), "d MMM", locale=LOCALE)


def weekday(day: dt.date) -> str:
    """« jeudi »."""
    return format_date(_day(day), "EEEE", locale=LOCALE)


def day_short(day: dt.date) -> str:
    """« 14/01 »: a day of the current year, in a sentence."""
    return format_date(_day(day), "dd/MM", locale=LOCALE)


def weekday_short(day: dt.date) -> str:
    """« jeudi 14/01 »."""
    return format_date(_day(day), "EEEE dd/MM", locale=LOCALE)


def time(when: dt.datetime, tz: str = "Europe/Paris") -> str:
    """« 15:00 », in the given time zone."""
    return format_time(when.astimezone(ZoneInfo(tz)), "HH:mm", locale=LOCALE)
