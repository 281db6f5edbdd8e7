"""The demo seed builds a believable, current world: deterministic, dated relative to
`today`, and written only into an empty database."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from lib import db, risk
from lib.auth import DEMO_PASSWORD, check_password
from lib.clock import is_working_day
from lib.models import Promotion
from lib.seed import DEMO_LOGINS, LATE_DEFI, SLIDING_DEFI, SeedSummary, demo_accounts, seed
from lib.text import fold
from tests.conftest import fresh_database
from tests.moments import PARIS

TODAY = dt.date(2026, 11, 23)
THIS_MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Engine, SeedSummary]]:
    """One seeded database per engine, shared by the module: seeding takes seconds."""
    with pytest.MonkeyPatch.context() as mp:
        for url in fresh_database(request.param, request, tmp_path_factory.mktemp("seed"), mp):
            engine = db.get_engine(url)
            yield engine, seed(engine, today=TODAY)


@pytest.fixture
def engine(seeded: tuple[Engine, SeedSummary]) -> Engine:
    return seeded[0]


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def scalar(engine: Engine, sql: str, **params: object) -> object:
    return rows(engine, sql, **params)[0][0]


CURRENT = "(SELECT id FROM promotion WHERE name = 'EIG 9')"


def test_two_promotions_each_with_the_programme_phases(engine):
    assert sorted(r[0] for r in rows(engine, "SELECT name FROM promotion")) == ["EIG 8", "EIG 9"]
    months = defaultdict(list)
    for name, m in rows(engine, "SELECT p.name, t.months FROM phase_template t JOIN promotion p "
                                "ON p.id = t.promotion_id ORDER BY p.name, t.number"):
        months[name].append(m)
    assert months == {"EIG 8": [2, 3, 3, 2], "EIG 9": [2, 3, 3, 2]}


def test_current_promotion_started_about_seven_months_ago_on_a_monday(engine):
    start = scalar(engine, "SELECT start_date FROM promotion WHERE name = 'EIG 9'")
    start = dt.date.fromisoformat(str(start))
    assert start.weekday() == 0
    assert 205 <= (TODAY - start).days <= 222


def test_current_defis_have_full_teams_in_distinct_administrations(engine):
    defis = rows(engine, f"SELECT id, administration_id FROM defi WHERE promotion_id = {CURRENT}")
    assert len(defis) >= 12
    assert len({admin for _, admin in defis}) == len(defis)
    team = defaultdict(lambda: defaultdict(int))
    for defi_id, role, n in rows(engine, f"SELECT m.defi_id, m.role, count(*) FROM membership m JOIN defi d "
                                         f"ON d.id = m.defi_id WHERE d.promotion_id = {CURRENT} "
                                         "GROUP BY m.defi_id, m.role"):
        team[defi_id][role] = n
    for defi_id, _ in defis:
        assert 2 <= team[defi_id]["eig"] <= 3
        assert 1 <= team[defi_id]["porteur"] <= 2
        assert team[defi_id]["sponsor"] == 1
        assert team[defi_id]["coach"] == 1
    shared = rows(engine, "SELECT user_id FROM membership WHERE role = 'sponsor' GROUP BY user_id "
                          "HAVING count(*) = 2")
    assert shared, "some sponsors follow two défis"


def test_three_coaches_one_admin_and_one_deactivated_member(engine):
    roles = dict(rows(engine, 'SELECT role, count(*) FROM "user" GROUP BY role'))
    assert roles["coach"] == 3 and roles["admin"] == 1
    inactive = rows(engine, 'SELECT login, role FROM "user" WHERE NOT active')
    assert len(inactive) == 1 and inactive[0][1] == "member"
    coach_members = scalar(engine, 'SELECT count(*) FROM membership m JOIN "user" u ON u.id = m.user_id '
                                   "WHERE m.role = 'coach' AND u.role <> 'coach'")
    assert coach_members == 0


def test_no_bulletin_after_this_week_and_this_week_only_for_some(engine):
    weeks = rows(engine, "SELECT week_start, iso_year, iso_week FROM bulletin")
    for week_start, iso_year, iso_week in weeks:
        monday = dt.date.fromisoformat(str(week_start))
        assert monday.weekday() == 0 and monday.isocalendar()[:2] == (iso_year, iso_week)
        assert monday <= THIS_MONDAY
    this_week = scalar(engine, "SELECT count(*) FROM bulletin WHERE week_start = :m", m=THIS_MONDAY)
    n_current = scalar(engine, f"SELECT count(*) FROM defi WHERE promotion_id = {CURRENT}")
    assert 0 < this_week < n_current


def test_some_teams_missed_a_week(engine):
    gaps = 0
    for _, first, last, n in rows(engine, "SELECT defi_id, min(week_start), max(week_start), count(*) "
                                          "FROM bulletin GROUP BY defi_id"):
        span = (dt.date.fromisoformat(str(last)) - dt.date.fromisoformat(str(first))).days // 7 + 1
        gaps += span - n
    assert gaps > 0


def test_sliding_defi_mood_falls(engine):
    moods = [m for (m,) in rows(engine, "SELECT b.mood FROM bulletin b JOIN defi d ON d.id = b.defi_id "
                                        "WHERE d.name = :name ORDER BY b.week_start", name=SLIDING_DEFI)]
    assert sum(moods[-4:]) / 4 < sum(moods[:4]) / 4
    assert moods[-1] == 1


def test_every_help_request_becomes_a_ticket(engine):
    orphans = scalar(engine, "SELECT count(*) FROM bulletin b LEFT JOIN help_request h ON h.bulletin_id = b.id "
                             "WHERE b.help_request <> '' AND h.id IS NULL")
    assert orphans == 0
    share = scalar(engine, "SELECT count(*) FROM help_request") / scalar(engine, "SELECT count(*) FROM bulletin")
    assert 0.04 <= share <= 0.15
    assert {s for (s,) in rows(engine, "SELECT DISTINCT status FROM help_request")} == {"open", "assigned",
                                                                                        "resolved"}
    unresolved = scalar(engine, 'SELECT count(*) FROM help_request h LEFT JOIN "user" u ON u.id = h.resolved_by_id '
                                "WHERE h.status = 'resolved' AND (h.answer = '' OR h.resolved_at IS NULL "
                                "OR h.first_answered_at IS NULL OR u.role <> 'coach' OR u.id IS NULL)")
    assert unresolved == 0


def test_every_ended_phase_has_a_committee_and_only_the_late_one_is_unvalidated(engine):
    ended = rows(engine, "SELECT dp.id, d.name, t.number, dp.validated_at, c.id FROM defi_phase dp "
                         "JOIN defi d ON d.id = dp.defi_id JOIN phase_template t ON t.id = dp.phase_template_id "
                         "LEFT JOIN committee c ON c.defi_phase_id = dp.id WHERE dp.planned_end <= :today",
                 today=TODAY)
    assert ended and all(committee is not None for *_, committee in ended)
    assert [(name, number) for _, name, number, validated, _ in ended if validated is None] == [(LATE_DEFI, 2)]
    ongoing = scalar(engine, "SELECT count(*) FROM defi_phase dp JOIN committee c ON c.defi_phase_id = dp.id "
                             "WHERE dp.planned_end > :today", today=TODAY)
    assert ongoing == 0


def test_committees_trainings_and_upcoming_key_dates_fall_on_working_days(engine):
    """Nobody holds a committee or a training on a Saturday, a Sunday or a public holiday."""
    held = [dt.datetime.fromisoformat(str(at)).replace(tzinfo=dt.UTC).astimezone(PARIS).date()
            for (at,) in rows(engine, "SELECT scheduled_at FROM committee")]
    held += [dt.date.fromisoformat(str(day)) for (day,) in rows(engine, "SELECT held_on FROM training")]
    assert len(held) > 20
    assert [day for day in held if not is_working_day(day)] == []
    upcoming = [dt.date.fromisoformat(str(day)) for (day,) in
                rows(engine, "SELECT on_date FROM key_date WHERE on_date > :today", today=TODAY)]
    assert upcoming and all(is_working_day(day) for day in upcoming)


def test_one_shifted_defi_and_reports_published_but_one_draft(engine):
    shifted = rows(engine, "SELECT DISTINCT defi_id FROM defi_phase WHERE shift_reason <> ''")
    assert len(shifted) == 1
    drafts = rows(engine, "SELECT report_status, report_published_at FROM committee WHERE report_status = 'draft'")
    assert len(drafts) == 1 and drafts[0][1] is None
    assert scalar(engine, "SELECT count(*) FROM committee WHERE report_status = 'published' "
                          "AND report_published_at IS NULL") == 0


def test_committees_decide_actions_some_overdue_and_open(engine):
    per_committee = [n for (n,) in rows(engine, "SELECT count(a.id) FROM committee c LEFT JOIN committee_action a "
                                                "ON a.committee_id = c.id GROUP BY c.id")]
    assert per_committee and all(1 <= n <= 3 for n in per_committee)
    overdue = scalar(engine, "SELECT count(*) FROM committee_action WHERE status = 'open' AND due_on < :today",
                     today=TODAY)
    assert overdue >= 2


def test_journal_entries_are_searchable_without_accents(engine):
    entries = rows(engine, "SELECT livrable, tache, search_text FROM journal_entry ORDER BY id")
    assert all(search == fold(f"{livrable} {tache}") for livrable, tache, search in entries)
    without_category = scalar(engine, "SELECT count(*) FROM journal_entry e LEFT JOIN journal_entry_category c "
                                      "ON c.entry_id = e.id WHERE c.entry_id IS NULL")
    assert without_category == 0
    future = scalar(engine, "SELECT count(*) FROM journal_entry WHERE done_on > :today", today=TODAY)
    assert future == 0


def test_current_month_carnet_missing_for_a_few_eigs_only(engine):
    month = TODAY.replace(day=1)
    active_eigs = scalar(engine, 'SELECT count(*) FROM membership m JOIN "user" u ON u.id = m.user_id '
                                 "JOIN defi d ON d.id = m.defi_id "
                                 f"WHERE m.role = 'eig' AND u.active AND d.promotion_id = {CURRENT}")
    filled = scalar(engine, "SELECT count(*) FROM monthly_carnet WHERE month = :m", m=month)
    assert active_eigs * 0.5 < filled < active_eigs
    unrated = scalar(engine, "SELECT count(*) FROM monthly_carnet c LEFT JOIN competency_rating r "
                             "ON r.carnet_id = c.id WHERE r.id IS NULL")
    assert unrated == 0


def test_indicators_one_per_theme_trending_up(engine):
    themes = rows(engine, "SELECT defi_id, count(DISTINCT theme), count(*) FROM indicator GROUP BY defi_id")
    assert len(themes) == scalar(engine, "SELECT count(*) FROM defi")
    assert all(distinct == 4 and total == 4 for _, distinct, total in themes)
    series = defaultdict(list)
    for indicator_id, value in rows(engine, "SELECT indicator_id, value FROM measurement "
                                            "ORDER BY indicator_id, measured_on"):
        series[indicator_id].append(value)
    assert all(3 <= len(v) <= 7 and v == sorted(v) and v[-1] > v[0] for v in series.values())
    baselines = dict(rows(engine, "SELECT id, baseline FROM indicator"))
    assert all(baselines[i] is not None and baselines[i] <= v[0] for i, v in series.items())


def test_key_dates_past_and_upcoming(engine):
    counts = [n for (n,) in rows(engine, "SELECT count(*) FROM key_date GROUP BY defi_id")]
    assert all(2 <= n <= 4 for n in counts)
    assert scalar(engine, "SELECT count(*) FROM key_date WHERE on_date > :today", today=TODAY) > 0
    assert scalar(engine, "SELECT count(*) FROM key_date WHERE on_date <= :today", today=TODAY) > 0


def test_demo_password_opens_the_demo_accounts(engine):
    logins = {login: h for login, h in rows(engine, 'SELECT login, password_hash FROM "user"')}
    assert set(logins) == set(DEMO_LOGINS)
    assert {login for login, _ in demo_accounts()} <= set(DEMO_LOGINS)
    assert {"admin", "coach.claire", "coach.karim", "coach.sophie", "eig.lea", "porteur.marc",
            "sponsor.anne"} <= set(DEMO_LOGINS)
    assert check_password(DEMO_PASSWORD, logins["eig.lea"])
    assert not check_password("mauvais-mot-de-passe", logins["eig.lea"])


def test_seeding_twice_adds_nothing(seeded):
    engine, first = seeded
    assert first.seeded and first.counts["defi"] >= 16
    again = seed(engine, today=TODAY)
    assert not again.seeded
    assert again.counts == first.counts


def test_seed_is_deterministic(sqlite_template: Path, tmp_path: Path):
    results = []
    for name in ("a.db", "b.db"):
        shutil.copy(sqlite_template, tmp_path / name)
        engine = db.get_engine(f"sqlite:///{tmp_path / name}")
        summary = seed(engine, today=TODAY)
        texts = rows(engine, "SELECT priority, ups_downs, help_request, mood FROM bulletin ORDER BY id LIMIT 20")
        results.append((summary.counts, texts))
    assert results[0] == results[1]


SEEDED_WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(7)]  # Monday to Sunday


@pytest.mark.parametrize("day", SEEDED_WEEK, ids=lambda d: d.strftime("%A"))
def test_sliding_defi_shows_its_falling_mood_all_week(day: dt.date, sqlite_template: Path, tmp_path: Path):
    """Seeded on any day of a week, the sliding défi's mood falls by 2 steps or more in the
    portfolio's mood window from that moment until the next Monday morning: before and after
    the Friday deadline, over the weekend (data seeded on a Thursday and read on Sunday)."""
    shutil.copy(sqlite_template, tmp_path / "week.db")
    engine = db.get_engine(f"sqlite:///{tmp_path / 'week.db'}")
    seed(engine, today=day)
    friday = SEEDED_WEEK[4]
    moments = [dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS) for hour, minute in [(8, 0), (23, 30)]]
    moments += [dt.datetime.combine(friday, dt.time(*at), tzinfo=PARIS) for at in [(14, 59), (15, 1)]
                if friday >= day]
    moments.append(dt.datetime.combine(SEEDED_WEEK[0] + dt.timedelta(days=7), dt.time(9, 0), tzinfo=PARIS))
    with db.reading(engine) as s:
        promotion = s.query(Promotion).filter_by(name="EIG 9").one()
        for moment in moments:
            sliding = next(sig for sig in risk.collect(s, promotion, moment, moment.date())
                           if sig.defi == SLIDING_DEFI)
            assert risk.mood_declining(sliding), (moment, sliding.moods)
