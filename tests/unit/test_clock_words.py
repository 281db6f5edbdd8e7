"""Due dates in words, as the home page's to-do says them (French, Paris time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib.clock import day_in_words, due_in_words, week_deadline
from lib.i18n import t

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2027, 1, 11, 9, 30, tzinfo=PARIS)  # a Monday morning
FRIDAY_DEADLINE = week_deadline(2027, 2)  # Friday 15 January 2027, 15:00 Paris


@pytest.mark.parametrize(("now", "words"), [
    (MONDAY, t("due.weekday_at", day="vendredi", at="15:00")),
    (dt.datetime(2027, 1, 14, 18, 0, tzinfo=PARIS), t("due.tomorrow_at", at="15:00")),
    (dt.datetime(2027, 1, 15, 8, 0, tzinfo=PARIS), t("due.today_at", at="15:00")),
    (dt.datetime(2027, 1, 15, 15, 0, tzinfo=PARIS), t("due.late_since", at="15:00")),  # the deadline itself is late
    (dt.datetime(2027, 1, 16, 9, 0, tzinfo=PARIS), t("due.late", n=1)),
    (dt.datetime(2027, 1, 18, 9, 0, tzinfo=PARIS), t("due.late", n=3)),
    (dt.datetime(2027, 1, 4, 9, 0, tzinfo=PARIS), t("due.date_at", date="15/01", at="15:00")),  # a week or more ahead
])
def test_a_deadline_at_a_time_of_day_in_words(now, words):
    assert due_in_words(FRIDAY_DEADLINE, now) == words


# Seen from Monday 11 January 2027: a day as a due date (by its end) and as an event.
@pytest.mark.parametrize(("day", "due", "event"), [
    (dt.date(2027, 1, 11), t("due.today"), t("day.today")),
    (dt.date(2027, 1, 12), t("due.tomorrow"), t("day.tomorrow")),
    (dt.date(2027, 1, 14), t("due.weekday", day="jeudi"), t("day.weekday", day="jeudi", date="14/01")),
    (dt.date(2027, 1, 23), t("due.date", date="23/01"), t("day.later", n=12, date="23/01")),
    (dt.date(2027, 2, 7), t("due.date", date="07/02"), t("day.later", n=27, date="07/02")),
    (dt.date(2027, 1, 10), t("due.late", n=1), t("day.yesterday")),
    (dt.date(2027, 1, 8), t("due.late", n=3), t("day.past", n=3)),
])
def test_a_day_in_words_as_a_due_date_and_as_an_event(day, due, event):
    assert due_in_words(day, MONDAY) == due
    assert day_in_words(day, MONDAY.date()) == event


def test_the_day_is_the_local_one_not_utc():
    """23:30 UTC on Sunday is already Monday in Paris."""
    late_sunday_utc = dt.datetime(2027, 1, 10, 23, 30, tzinfo=dt.UTC)  # Monday 00:30 in Paris
    assert due_in_words(dt.date(2027, 1, 11), late_sunday_utc) == t("due.today")
