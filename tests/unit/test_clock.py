"""Due dates in words (clock.format_due): the moment the sponsor's and porteur's home reads."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib.clock import format_due

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2027, 1, 12, 9, 30, tzinfo=PARIS)  # a Tuesday morning


def at(day: int, hour: int, month: int = 1, year: int = 2027) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


@pytest.mark.parametrize(("due", "words"), [
    (at(15, 15), "avant vendredi 15:00"),
    (at(12, 15), "avant 15:00 aujourd'hui"),
    (at(13, 10), "avant demain 10:00"),
    (at(19, 15), "avant le mardi 19 janvier, 15:00"),  # a week away: the date, not « mardi »
    (at(2, 15, month=2, year=2028), "avant le mercredi 2 février 2028, 15:00"),
    (at(12, 9), "en retard depuis 09:00"),
    (at(11, 18), "en retard de 1 jour"),
    (at(9, 15), "en retard de 3 jours"),
])
def test_a_moment_is_due_before_it_and_late_from_it(due, words):
    assert format_due(due, NOW) == words


@pytest.mark.parametrize(("due", "words"), [
    (dt.date(2027, 1, 12), "pour aujourd'hui"),  # due today is not late yet
    (dt.date(2027, 1, 13), "d'ici demain"),
    (dt.date(2027, 1, 15), "d'ici vendredi"),
    (dt.date(2027, 3, 1), "d'ici le lundi 1 mars"),
    (dt.date(2027, 1, 11), "en retard de 1 jour"),
    (dt.date(2026, 12, 22), "en retard de 21 jours"),
])
def test_a_day_is_due_by_its_end(due, words):
    assert format_due(due, NOW) == words


def test_the_local_day_decides_not_utc():
    late_evening = dt.datetime(2027, 1, 12, 23, 30, tzinfo=dt.UTC)  # already Wednesday in Paris
    assert format_due(dt.date(2027, 1, 12), late_evening) == "en retard de 1 jour"
    assert format_due(dt.date(2027, 1, 13), late_evening) == "pour aujourd'hui"
