"""Due dates in words, as the home page's to-do says them (French, Paris time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib.clock import day_in_words, due_in_words, week_deadline

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2027, 1, 11, 9, 30, tzinfo=PARIS)  # a Monday morning
FRIDAY_DEADLINE = week_deadline(2027, 2)  # Friday 15 January 2027, 15:00 Paris


@pytest.mark.parametrize(("now", "words"), [
    (MONDAY, "avant vendredi 15:00"),
    (dt.datetime(2027, 1, 14, 18, 0, tzinfo=PARIS), "demain avant 15:00"),
    (dt.datetime(2027, 1, 15, 8, 0, tzinfo=PARIS), "aujourd'hui avant 15:00"),
    (dt.datetime(2027, 1, 15, 15, 0, tzinfo=PARIS), "en retard depuis 15:00"),  # the deadline itself is late
    (dt.datetime(2027, 1, 16, 9, 0, tzinfo=PARIS), "en retard de 1 jour"),
    (dt.datetime(2027, 1, 18, 9, 0, tzinfo=PARIS), "en retard de 3 jours"),
    (dt.datetime(2027, 1, 4, 9, 0, tzinfo=PARIS), "avant le 15/01 à 15:00"),  # a week or more ahead
])
def test_a_deadline_at_a_time_of_day_in_words(now, words):
    assert due_in_words(FRIDAY_DEADLINE, now) == words


@pytest.mark.parametrize(("due", "words"), [
    (dt.date(2027, 1, 11), "aujourd'hui"),
    (dt.date(2027, 1, 12), "demain"),
    (dt.date(2027, 1, 14), "d'ici jeudi"),
    (dt.date(2027, 2, 7), "d'ici le 07/02"),
    (dt.date(2027, 1, 10), "en retard de 1 jour"),
    (dt.date(2027, 1, 8), "en retard de 3 jours"),
])
def test_a_day_due_by_its_end_in_words(due, words):
    assert due_in_words(due, MONDAY) == words


def test_the_day_is_the_local_one_not_utc():
    """23:30 UTC on Sunday is already Monday in Paris."""
    late_sunday_utc = dt.datetime(2027, 1, 10, 23, 30, tzinfo=dt.UTC)  # Monday 00:30 in Paris
    assert due_in_words(dt.date(2027, 1, 11), late_sunday_utc) == "aujourd'hui"


@pytest.mark.parametrize(("day", "words"), [
    (dt.date(2027, 1, 11), "aujourd'hui"),
    (dt.date(2027, 1, 12), "demain"),
    (dt.date(2027, 1, 14), "jeudi 14/01"),
    (dt.date(2027, 1, 23), "dans 12 jours (le 23/01)"),
    (dt.date(2027, 1, 10), "hier"),
    (dt.date(2027, 1, 8), "il y a 3 jours"),
])
def test_an_event_day_in_words(day, words):
    assert day_in_words(day, MONDAY.date()) == words
