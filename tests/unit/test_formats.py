"""The French formatters (lib.formats): what readers see for numbers, dates and weeks."""

from __future__ import annotations

import datetime as dt
import re

from lib import formats

NBSP = "\u00a0"


def test_decimal_has_a_comma_and_fixed_digits():
    assert formats.decimal(3) == "3,0"
    assert formats.decimal(2.25, 2) == "2,25"
    assert formats.decimal(1234.5) == "1\u202f234,5"
    assert formats.decimal(None) == "—"


def test_percent_has_a_comma_and_a_no_break_space():
    assert formats.percent(0.134) == f"13,4{NBSP}%"
    assert formats.percent(0.5, 0) == f"50{NBSP}%"


def test_integer_groups_thousands():
    assert formats.integer(12345) == "12\u202f345"


def test_date_is_day_month_year():
    assert formats.date(dt.date(2026, 11, 3)) == "03/11/2026"
    assert formats.date(None) == "—"


def test_moment_names_the_day_in_french_and_local_time():
    # 14:00 UTC on Friday 20 November 2026 is 15:00 in Paris.
    assert formats.moment(dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)) == "vendredi 20/11/2026 à 15:00"


def test_a_past_moment_in_words_counts_calendar_days_in_paris():
    now = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
    assert formats.moment_in_words(dt.datetime(2026, 11, 17, 23, 30, tzinfo=dt.UTC), now) == "aujourd'hui à 00:30"
    assert formats.moment_in_words(dt.datetime(2026, 11, 17, 22, 30, tzinfo=dt.UTC), now) == "hier à 23:30"
    assert formats.moment_in_words(dt.datetime(2026, 11, 16, 22, 30, tzinfo=dt.UTC), now) == \
        "lundi 16/11/2026 à 23:30"


def test_week_in_a_sentence_starts_on_monday():
    assert formats.week(dt.date(2026, 11, 26)) == "semaine du 23 novembre"
    assert formats.iso_week(2026, 48) == "semaine du 23 novembre"


def test_the_first_of_the_month_is_an_ordinal_and_the_year_is_said_on_request():
    assert formats.day_of_month(dt.date(2026, 12, 1)) == "1er décembre"
    assert formats.day_of_month(dt.date(2027, 1, 4), with_year=True) == "4 janvier 2027"
    assert formats.week(dt.date(2027, 3, 3)) == "semaine du 1er mars"
    assert formats.week(dt.date(2027, 1, 6), with_year=True) == "semaine du 4 janvier 2027"


def test_weekday_day_and_time_in_a_sentence():
    thursday = dt.date(2027, 1, 14)
    assert (formats.weekday(thursday), formats.day_short(thursday)) == ("jeudi", "14/01")
    assert formats.weekday_short(thursday) == "jeudi 14/01"
    # 14:00 UTC in winter is 15:00 in Paris.
    assert formats.time(dt.datetime(2027, 1, 14, 14, 0, tzinfo=dt.UTC)) == "15:00"


def test_short_week_gives_number_and_days_without_iso_code():
    assert formats.week_short(dt.date(2026, 11, 23)) == "S48 (23-29 nov.)"
    assert formats.week_short(dt.date(2026, 12, 1)) == "S49 (30 nov.-6 déc.)"
    assert formats.iso_week(2027, 1, short=True) == "S1 (4-10 janv.)"
    assert not re.search(r"\d{4}-W\d{2}", formats.iso_week(2026, 48, short=True))


def test_a_text_where_a_date_is_expected_is_refused():
    import pytest

    for formatter in (formats.date, formats.month, formats.week, formats.week_short, formats.day_month,
                      formats.weekday, formats.day_short, formats.weekday_short, formats.day_of_month):
        with pytest.raises(TypeError):
            formatter("novembre 2026")


def test_month_is_spelled_out():
    assert formats.month(dt.date(2026, 11, 15)) == "novembre 2026"
    assert formats.month(dt.date(2027, 2, 1)) == "février 2027"


def test_week_charts_tick_mondays_and_keep_the_week_words_for_hover():
    import pandas as pd

    from lib.charts import retro

    mondays = [dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
    weeks = pd.DataFrame({"week_start": mondays, "week": [formats.week_short(d) for d in mondays],
                          "programme_week": [32, 33], "phase": [3, 3], "clock": ["c", "c"], "mood": [3, 4],
                          "filed": [1, 2], "defis": [2, 2], "rate": [0.5, 1.0]})
    for fig in (retro.mood_line(weeks), retro.participation_bars(weeks)):
        assert list(fig.data[0].x) == ["S47 (16-22 nov.)", "S48 (23-29 nov.)"]
        assert list(fig.layout.xaxis.ticktext) == ["16 nov.", "23 nov."]
    assert retro.participation_bars(weeks, retro.PROGRAMME).layout.xaxis.ticktext is None


def test_tables_get_french_decimals_and_percents_and_blanks_for_missing():
    import pandas as pd

    from lib import ui

    df = pd.DataFrame({"mood": [2.75, None], "participation": [0.134, 1.0], "week": [1, 2]})
    out = ui.french_numbers(df, {"mood": 2}, ["participation"])
    assert list(out["mood"]) == ["2,75", ""]
    assert list(out["participation"]) == [f"13,4{NBSP}%", f"100,0{NBSP}%"]
    assert list(out["week"]) == [1, 2] and df["mood"].iloc[0] == 2.75  # other columns and the input untouched


def test_a_quantity_below_two_keeps_its_plural_unit_as_a_label_and_symbols_follow_any_number():
    assert formats.quantity(1, "agents") == "1 (agents)"  # never « 1 agents »
    assert formats.quantity(0.5, "jeux de données") == "0,5 (jeux de données)"
    assert formats.quantity(40, "agents") == "40 agents"
    assert formats.quantity(1, "%") == "1 %"
    assert formats.quantity(12500, "") == "12\u202f500"


def test_the_indicator_chart_says_depart_in_french():
    import pandas as pd

    from lib.charts.indicators import indicator_chart

    fig = indicator_chart(pd.DataFrame({"measured_on": [dt.date(2026, 11, 2)], "value": [3.0]}), "agents", 1.0, 40.0)
    assert {a.text for a in fig.layout.annotations} == {"Départ : 1 (agents)", "Cible : 40 agents"}
