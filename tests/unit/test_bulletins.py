"""The weekly bulletin: filing until the deadline, the publication rule around the
deadline minute (DST change, ISO week 53, holiday Fridays), help tickets and key dates
created from the form, and the trends aggregated in SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from lib import bulletins, clock, db, help_requests, users
from lib.charts import retro
from lib.errors import Conflict, PermissionDenied, StaleEdit
from lib.models import AuditEvent, Bulletin, DefiRole, GlobalRole, HelpRequest, KeyDate, User
from lib.permissions import Actor
from lib.schemas import BulletinIn, HelpAnswerIn, MembershipIn, UserIn
from tests.conftest import said

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def form(**overrides: object) -> BulletinIn:
    values = {"mood": 3, "priority": "Tester le prototype avec 5 agents", "ups_downs": "Accès aux données obtenu"}
    values.update(overrides)
    return BulletinIn(**values)


def file(world, now: dt.datetime, actor=None, defi_id=None, version=None, **overrides) -> int:  # noqa: ANN001
    return bulletins.file_bulletin(actor or world.eig, defi_id or world.alpha_id, form(**overrides),
                                   expected_version=version, now=now)


def visible_weeks(actor, defi_id: int, now: dt.datetime) -> list[str]:  # noqa: ANN001
    return list(bulletins.defi_bulletins(actor, defi_id, now)["week"])


def week_names(actor, world, now: dt.datetime) -> list[str]:  # noqa: ANN001
    """The défis whose W47 bulletin `actor` reads in the promotion's week."""
    return [card.name for card in bulletins.week_bulletin_page(actor, world.promotion_id, 2026, 47, now=now).cards]


# --- Deadline and publication -------------------------------------------------------------

# 2026-W47: Friday 20 November 2026, 15:00 Paris = 14:00 UTC.
BEFORE = paris(2026, 11, 20, 14, 59)
AT = paris(2026, 11, 20, 15, 0)


def test_team_files_until_the_deadline_minute_and_not_after(world):
    file(world, paris(2026, 11, 16, 9, 0))
    version = bulletins.week_state(world.eig, world.alpha_id, BEFORE).version
    file(world, BEFORE, actor=world.eig2, version=version, priority="Dernière retouche")
    with pytest.raises(Conflict, match="close"):
        file(world, AT, version=version + 1, priority="Trop tard")
    with db.reading() as s:
        assert s.scalar(select(Bulletin.priority)) == "Dernière retouche"


def test_a_closed_week_cannot_be_filed_and_the_form_says_when_the_next_deadline_is(world):
    state = bulletins.week_state(world.eig, world.alpha_id, AT)
    assert not state.open
    assert state.next_deadline == dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
    closed = said("bulletin.closed", week="semaine du 16 novembre", next="vendredi 27/11/2026 à 15:00")
    with pytest.raises(Conflict, match=closed):
        file(world, paris(2026, 11, 21, 10, 0))


def test_before_the_deadline_only_the_defis_eigs_and_the_coaches_read_the_bulletin(world):
    file(world, paris(2026, 11, 18, 10, 0))
    for reader in (world.eig, world.eig2, world.coach, world.admin):
        assert visible_weeks(reader, world.alpha_id, BEFORE) == ["S47 (16-22 nov.)"], reader.login
    for reader in (world.porteur, world.sponsor, world.beta_eig):
        assert visible_weeks(reader, world.alpha_id, BEFORE) == [], reader.login
        assert not bulletins.week_bulletin_page(reader, world.promotion_id, 2026, 47, now=BEFORE).cards, reader.login
        assert bulletins.mood_trend(reader, world.alpha_id, BEFORE)["filed"].sum() == 0, reader.login
    for reader in (world.porteur, world.sponsor):
        assert visible_weeks(reader, world.alpha_id, AT) == ["S47 (16-22 nov.)"], reader.login


def test_a_member_coaching_the_defi_reads_its_week_in_progress_across_the_promotion_too(world):
    """A `coach` membership makes a member coach / admin of that défi (docs/design.md, Permissions):
    the promotion's week shows her what the défi's own page does."""
    coach_id = users.create_user(world.admin, UserIn(login="coach.referente", display_name="Paule Référente",
                                                     email="paule@example.org", role=GlobalRole.MEMBER,
                                                     password="un-mot-de-passe"))
    users.add_membership(world.admin, MembershipIn(user_id=coach_id, defi_id=world.alpha_id, role=DefiRole.COACH))
    with db.reading() as s:
        referente = Actor.of(s.get(User, coach_id))
    file(world, paris(2026, 11, 18, 10, 0))
    assert visible_weeks(referente, world.alpha_id, BEFORE) == ["S47 (16-22 nov.)"]
    assert week_names(referente, world, BEFORE) == ["Alpha"]


def test_coaches_answers_are_for_the_defis_team_and_the_coaches(world):
    file(world, paris(2026, 11, 18, 10, 0), help_request="Un contact à la CNIL ?")
    [ticket] = help_requests.board(world.coach, world.promotion_id, now=BEFORE)["id"]
    help_requests.answer(world.coach, int(ticket), HelpAnswerIn(answer="Voyez Mme X."), 1, now=BEFORE)
    answers = {reader.login: set(bulletins.defi_bulletins(reader, world.alpha_id, AT)["help_answer"])
               for reader in (world.eig, world.porteur, world.sponsor, world.coach, world.beta_eig)}
    assert answers == {"eig": {"Voyez Mme X."}, "porteur": {"Voyez Mme X."}, "sponsor": {"Voyez Mme X."},
                       "coach": {"Voyez Mme X."}, "beta.eig": {""}}
    assert "Voyez Mme X." not in bulletins.export_csv(world.beta_eig, world.alpha_id, AT).decode("utf-8-sig")
    assert "Voyez Mme X." in bulletins.export_csv(world.sponsor, world.alpha_id, AT).decode("utf-8-sig")
    with pytest.raises(PermissionDenied):
        help_requests.defi_tickets(world.beta_eig, world.alpha_id, AT)
    assert help_requests.defi_tickets(world.sponsor, world.alpha_id, BEFORE).empty  # the week is in progress
    assert list(help_requests.defi_tickets(world.sponsor, world.alpha_id, AT)["answer"]) == ["Voyez Mme X."]


def test_from_the_deadline_minute_the_whole_promotion_reads_it(world):
    file(world, paris(2026, 11, 18, 10, 0))
    assert visible_weeks(world.beta_eig, world.alpha_id, AT) == ["S47 (16-22 nov.)"]
    assert week_names(world.beta_eig, world, AT) == ["Alpha"]


def test_people_outside_the_promotion_never_read_it(world):
    file(world, paris(2026, 11, 18, 10, 0))
    later = paris(2026, 12, 1, 10, 0)
    for reader in (world.gamma_eig, world.outsider, world.inactive):
        with pytest.raises(PermissionDenied):
            bulletins.defi_bulletins(reader, world.alpha_id, later)
        with pytest.raises(PermissionDenied):
            bulletins.week_bulletin_page(reader, world.promotion_id, 2026, 47, now=later)


@pytest.mark.parametrize("login", ["porteur", "sponsor", "coach", "admin", "beta_eig", "gamma_eig", "outsider",
                                   "inactive"])
def test_only_the_defi_eigs_file_its_bulletin(world, login):
    with pytest.raises(PermissionDenied):
        file(world, BEFORE, actor=getattr(world, login))


def test_dst_change_week_publishes_at_15_paris_time_not_at_a_fixed_utc_offset(world):
    # Summer time ends on Sunday 25 October 2026: the W43 deadline is 13:00 UTC, W44's 14:00 UTC.
    file(world, paris(2026, 10, 21, 10, 0))
    file(world, paris(2026, 10, 28, 10, 0))
    assert visible_weeks(world.beta_eig, world.alpha_id, dt.datetime(2026, 10, 23, 13, 0, tzinfo=dt.UTC)) \
        == ["S43 (19-25 oct.)"]
    half_past = dt.datetime(2026, 10, 30, 13, 30, tzinfo=dt.UTC)  # 14:30 in Paris
    assert visible_weeks(world.beta_eig, world.alpha_id, half_past) == ["S43 (19-25 oct.)"]
    assert bulletins.week_state(world.eig, world.alpha_id, half_past).open
    at = dt.datetime(2026, 10, 30, 14, 0, tzinfo=dt.UTC)
    assert visible_weeks(world.beta_eig, world.alpha_id, at) == ["S44 (26 oct.-1 nov.)", "S43 (19-25 oct.)"]


def test_iso_week_53_whose_friday_is_new_years_day(world):
    # 2026 has 53 ISO weeks; Friday 1 January 2027 is a holiday: deadline Thursday 31/12 15:00.
    bulletin_id = file(world, paris(2026, 12, 30, 10, 0))
    with db.reading() as s:
        row = s.get(Bulletin, bulletin_id)
        assert (row.iso_year, row.iso_week, row.week_start) == (2026, 53, dt.date(2026, 12, 28))
    assert visible_weeks(world.beta_eig, world.alpha_id, paris(2026, 12, 31, 14, 59)) == []
    assert visible_weeks(world.beta_eig, world.alpha_id, paris(2026, 12, 31, 15, 0)) == ["S53 (28 déc.-3 janv.)"]
    with pytest.raises(Conflict):
        file(world, paris(2026, 12, 31, 15, 0), version=1)
    assert bulletins.week_state(world.eig, world.alpha_id, paris(2027, 1, 4, 9, 0)).label == "semaine du 4 janvier"


@pytest.mark.parametrize("friday", [dt.date(2026, 12, 25), dt.date(2026, 5, 8), dt.date(2026, 5, 1)])
def test_a_holiday_friday_moves_the_deadline_to_thursday(world, friday):
    thursday = friday - dt.timedelta(days=1)
    file(world, paris(thursday.year, thursday.month, thursday.day, 10, 0))
    assert not bulletins.week_state(world.eig, world.alpha_id, paris(*thursday.timetuple()[:3], 15, 0)).open
    with pytest.raises(Conflict):
        file(world, paris(*thursday.timetuple()[:3], 15, 30), version=1)
    assert visible_weeks(world.beta_eig, world.alpha_id, paris(*thursday.timetuple()[:3], 14, 59)) == []
    assert len(visible_weeks(world.beta_eig, world.alpha_id, paris(*thursday.timetuple()[:3], 15, 0))) == 1


def test_promotion_settings_move_the_deadline(world):
    from lib.models import Promotion

    with db.transaction() as s:
        promotion = s.get(Promotion, world.promotion_id)
        promotion.deadline_weekday, promotion.deadline_time = 4, "12:00"  # Thursday noon
    assert not bulletins.week_state(world.eig, world.alpha_id, paris(2026, 11, 19, 12, 0)).open
    assert bulletins.week_state(world.eig, world.alpha_id, paris(2026, 11, 19, 11, 59)).open


# --- Edits, tickets, key dates ------------------------------------------------------------


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(world):
    file(world, paris(2026, 11, 16, 9, 0))
    file(world, paris(2026, 11, 16, 10, 0), actor=world.eig2, version=1, priority="Version de Hugo")
    with pytest.raises(StaleEdit):
        file(world, paris(2026, 11, 16, 11, 0), version=1, priority="Version de Léa")
    with pytest.raises(StaleEdit):
        file(world, paris(2026, 11, 16, 11, 0), version=None, priority="Nouveau formulaire périmé")
    with db.reading() as s:
        assert s.scalar(select(Bulletin.priority)) == "Version de Hugo"
        assert [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.entity == "bulletin")
                                        .order_by(AuditEvent.id))] == ["create", "update"]


def test_help_request_becomes_a_ticket_and_withdrawing_it_before_an_answer_drops_it(world):
    file(world, paris(2026, 11, 16, 9, 0), help_request="Besoin d'un contact à la DINUM")
    with db.reading() as s:
        ticket = s.scalar(select(HelpRequest))
        assert ticket.status == "open"
    state = bulletins.week_state(world.eig, world.alpha_id, paris(2026, 11, 16, 10, 0))
    assert state.help_status == "open"
    file(world, paris(2026, 11, 16, 10, 0), version=state.version, help_request="")
    with db.reading() as s:
        assert s.scalar(select(HelpRequest)) is None


def test_key_date_is_both_or_neither():
    with pytest.raises(ValidationError, match=said("validation.key_date_pair")):
        form(key_date=dt.date(2026, 12, 3))
    with pytest.raises(ValidationError, match=said("validation.key_date_pair")):
        form(key_date_description="Démo au cabinet")
    assert form(key_date=dt.date(2026, 12, 3), key_date_description="Démo au cabinet").key_date


@pytest.mark.parametrize("field,value", [("priority", "x" * 301), ("ups_downs", "x" * 301), ("priority", "  "),
                                         ("help_request", "x" * 301), ("key_date_description", "x" * 201),
                                         ("mood", 0), ("mood", 5)])
def test_form_limits(field, value):
    overrides = {field: value}
    if field == "key_date_description":
        overrides["key_date"] = dt.date(2026, 12, 3)
    with pytest.raises(ValidationError):
        form(**overrides)


def test_key_date_in_the_bulletin_creates_then_updates_then_removes_the_defi_key_date(world):
    day = dt.date(2026, 12, 3)
    file(world, paris(2026, 11, 16, 9, 0), key_date=day, key_date_description="Démo au cabinet")
    file(world, paris(2026, 11, 16, 10, 0), version=1, key_date=day + dt.timedelta(days=1),
         key_date_description="Démo au cabinet, décalée")
    with db.reading() as s:
        rows = s.execute(select(KeyDate.on_date, KeyDate.description)).all()
        assert rows == [(day + dt.timedelta(days=1), "Démo au cabinet, décalée")]
    state = bulletins.week_state(world.eig, world.alpha_id, paris(2026, 11, 16, 11, 0))
    assert state.key_date == day + dt.timedelta(days=1)
    file(world, paris(2026, 11, 16, 11, 0), version=2)
    with db.reading() as s:
        assert s.scalar(select(KeyDate)) is None


def test_key_date_on_a_day_the_defi_already_has_updates_that_one(world):
    day = dt.date(2026, 12, 3)
    with db.transaction() as s:
        s.add(KeyDate(defi_id=world.alpha_id, on_date=day, description="Comité de pilotage"))
    file(world, paris(2026, 11, 16, 9, 0), key_date=day, key_date_description="Comité de pilotage élargi")
    with db.reading() as s:
        assert s.execute(select(KeyDate.description)).scalars().all() == ["Comité de pilotage élargi"]


# --- Pages of cards and search -----------------------------------------------------------

WEDNESDAY = paris(2026, 11, 18, 10, 0)


def file_weeks(world, texts: list[str], **overrides) -> None:  # noqa: ANN001
    """Alpha's bulletins of the last len(texts) weeks, the newest (W47) with the first text."""
    for weeks_ago, text in enumerate(texts):
        file(world, WEDNESDAY - dt.timedelta(weeks=weeks_ago), priority=text, **overrides)


def found(actor, world, search: str, now: dt.datetime = AT) -> list[str]:  # noqa: ANN001
    """The priorities of Alpha's bulletins that `search` finds for `actor`, newest first."""
    return [card.priority for card in bulletins.defi_bulletin_page(actor, world.alpha_id, search, now=now).cards]


def test_a_defis_bulletins_come_ten_at_a_time_newest_first(world):
    file_weeks(world, [f"Priorité {n}" for n in range(12)])
    first = bulletins.defi_bulletin_page(world.coach, world.alpha_id, now=AT)
    assert (first.total, first.page, first.pages, first.first, first.last) == (12, 1, 2, 1, 10)
    assert [card.priority for card in first.cards] == [f"Priorité {n}" for n in range(10)]
    assert first.cards[0].week == "S47 (16-22 nov.)"
    last = bulletins.defi_bulletin_page(world.coach, world.alpha_id, page=2, now=AT)
    assert [card.priority for card in last.cards] == ["Priorité 10", "Priorité 11"]
    assert (last.first, last.last) == (11, 12)
    # A page past the end (fewer bulletins than when the page was turned) is the last one.
    assert bulletins.defi_bulletin_page(world.coach, world.alpha_id, page=9, now=AT).page == 2
    assert bulletins.defi_bulletin_page(world.coach, world.alpha_id, page=0, now=AT).page == 1


def test_search_finds_every_word_whatever_its_case_and_accents(world):
    file_weeks(world, ["Atelier avec l'Équipe du MINISTÈRE", "equipe réduite en août", "Cœur de métier",
                       "Rien à signaler"])
    assert found(world.coach, world, "EQUIPE") == ["Atelier avec l'Équipe du MINISTÈRE", "equipe réduite en août"]
    assert found(world.coach, world, "équipe ministere") == ["Atelier avec l'Équipe du MINISTÈRE"]
    assert found(world.coach, world, "AOUT") == found(world.coach, world, "août") == ["equipe réduite en août"]
    assert found(world.coach, world, "coeur") == found(world.coach, world, "CŒUR") == ["Cœur de métier"]
    assert found(world.coach, world, "équipe rien") == []
    assert len(found(world.coach, world, "  ")) == 4  # blank: no search


def test_search_reads_wildcards_and_patterns_as_typed(world):
    file_weeks(world, ["Objectif 100% atteint", "Objectif 1000 atteint", "nom_de_code", "nomXdeYcode", "a.b"])
    assert found(world.coach, world, "100%") == ["Objectif 100% atteint"]
    assert found(world.coach, world, "nom_de") == ["nom_de_code"]
    assert found(world.coach, world, "a.b") == ["a.b"]
    assert found(world.coach, world, "%") == ["Objectif 100% atteint"]
    assert found(world.coach, world, "_") == ["nom_de_code"]
    assert found(world.coach, world, ".*") == found(world.coach, world, "[a-z]") == []


def test_search_reads_only_what_the_card_shows_the_actor(world):
    """The help request and its answer are searched for the défi's team and the coaches only;
    the week in progress, for those who read it before its deadline."""
    file(world, paris(2026, 11, 11, 10, 0), priority="Semaine passée", help_request="Besoin d'un juriste")
    [ticket] = help_requests.board(world.coach, world.promotion_id, now=BEFORE)["id"]
    help_requests.answer(world.coach, int(ticket), HelpAnswerIn(answer="Voyez Mme Xavier."), 1, now=BEFORE)
    file(world, WEDNESDAY, priority="Semaine en cours")
    for reader in (world.coach, world.eig, world.sponsor, world.porteur):
        assert found(reader, world, "JURISTE", BEFORE) == ["Semaine passée"], reader.login
        assert found(reader, world, "xavier", BEFORE) == ["Semaine passée"], reader.login
    assert found(world.beta_eig, world, "juriste", BEFORE) == found(world.beta_eig, world, "xavier", BEFORE) == []
    assert found(world.beta_eig, world, "semaine", BEFORE) == ["Semaine passée"]
    assert found(world.coach, world, "en cours", BEFORE) == ["Semaine en cours"]
    for reader in (world.sponsor, world.beta_eig):
        assert found(reader, world, "en cours", BEFORE) == [], reader.login
        assert found(reader, world, "en cours", AT) == ["Semaine en cours"], reader.login
    for reader in (world.gamma_eig, world.outsider, world.inactive):
        with pytest.raises(PermissionDenied):
            bulletins.defi_bulletin_page(reader, world.alpha_id, "juriste", now=AT)


def test_a_weeks_bulletins_come_a_page_at_a_time_by_defi_name(world, monkeypatch):
    file(world, WEDNESDAY, priority="Alpha")
    file(world, WEDNESDAY, actor=world.beta_eig, defi_id=world.beta_id, priority="Beta")
    monkeypatch.setattr(bulletins, "PAGE_SIZE", 1)
    pages = [bulletins.week_bulletin_page(world.coach, world.promotion_id, 2026, 47, page, now=AT)
             for page in (1, 2, 3)]
    assert [[card.name for card in p.cards] for p in pages] == [["Alpha"], ["Beta"], ["Beta"]]
    assert [(p.total, p.page, p.pages, p.first) for p in pages] == [(2, 1, 2, 1), (2, 2, 2, 2), (2, 2, 2, 2)]


# --- Trends ---------------------------------------------------------------------------------


def test_programme_clock_of_a_week():
    from lib.models import Promotion

    promotion = Promotion(name="P", start_date=dt.date(2026, 4, 6), months=10, deadline_weekday=5,
                          deadline_time="15:00", timezone="Europe/Paris")
    windows = [(1, dt.date(2026, 4, 6), dt.date(2026, 6, 6)), (2, dt.date(2026, 6, 6), dt.date(2026, 9, 6))]
    week = clock.programme_clock(promotion, windows, dt.date(2026, 7, 6))
    assert week.label == "semaine 14 du programme sur 44, phase 2"
    first = clock.programme_clock(promotion, windows, dt.date(2026, 4, 6))
    assert first.label == "semaine 1 du programme sur 44, phase 1"


def test_mood_trend_leaves_missed_weeks_as_gaps_and_counts_streaks(world):
    for day, mood in [(dt.date(2026, 11, 2), 2), (dt.date(2026, 11, 9), 3), (dt.date(2026, 11, 23), 4)]:
        file(world, paris(day.year, day.month, day.day, 10, 0), mood=mood)
    now = paris(2026, 11, 24, 10, 0)
    trend = bulletins.mood_trend(world.coach, world.alpha_id, now).set_index("week")
    assert trend.loc["S45 (2-8 nov.)", "mood"] == 2 and trend.loc["S46 (9-15 nov.)", "mood"] == 3
    assert math.isnan(trend.loc["S47 (16-22 nov.)", "mood"])
    assert trend.loc["S48 (23-29 nov.)", "mood"] == 4
    assert trend.index[0] == "S15 (6-12 avr.)" and trend.index[-1] == "S48 (23-29 nov.)"
    assert trend.loc["S48 (23-29 nov.)", "clock"].startswith("semaine 34 du programme sur 44")
    # W48 is in progress (deadline Friday 27): drawn apart, out of the rate, but its filed
    # bulletin extends the current run.
    assert list(trend.index[trend["in_progress"]]) == ["S48 (23-29 nov.)"]
    stats = bulletins.streaks(trend.reset_index())
    assert stats == {"filed": 2, "weeks": 33, "longest": 2, "current": 1}
    # Members of other défis see the trend only up to the last published week.
    theirs = bulletins.mood_trend(world.beta_eig, world.alpha_id, now)
    assert theirs["week"].iloc[-1] == "S47 (16-22 nov.)"


def test_on_a_monday_the_week_in_progress_is_no_alarm_and_after_its_deadline_it_counts(world):
    monday = paris(2026, 11, 16, 9, 0)
    file(world, monday, mood=3)  # 1 défi of 3 has filed on Monday morning
    rates = bulletins.participation(world.coach, world.promotion_id, monday).set_index("week")
    assert rates.loc["S47 (16-22 nov.)", "filed"] == 1 and math.isnan(rates.loc["S47 (16-22 nov.)", "rate"])
    assert rates["rate"].dropna().index[-1] == "S46 (9-15 nov.)"
    bars = retro.participation_bars(rates.reset_index())
    assert [trace.x[-1] for trace in bars.data] == ["S46 (9-15 nov.)", "S47 (16-22 nov.) (en cours)"]
    assert bars.data[1].marker.pattern.shape == "/"
    heat = bulletins.promotion_heatmap(world.coach, world.promotion_id, monday)
    assert set(heat.loc[heat["in_progress"], "week"]) == {"S47 (16-22 nov.)"}
    # Beta has not filed yet: not a break of its run before the deadline, a break after it.
    beta = bulletins.mood_trend(world.coach, world.beta_id, monday)
    assert bulletins.streaks(beta)["weeks"] == len(beta) - 1
    file(world, paris(2026, 11, 9, 9, 0), actor=world.beta_eig, defi_id=world.beta_id)
    before = bulletins.streaks(bulletins.mood_trend(world.coach, world.beta_id, BEFORE))
    after = bulletins.streaks(bulletins.mood_trend(world.coach, world.beta_id, AT))
    assert before["current"] == 1 and after["current"] == 0
    assert after["weeks"] == before["weeks"] + 1
    assert clock.in_progress_week(bulletins_promotion(world), BEFORE) == dt.date(2026, 11, 16)
    assert clock.in_progress_week(bulletins_promotion(world), AT) is None


def bulletins_promotion(world):  # noqa: ANN001, ANN201
    with db.reading() as s:
        promotion = bulletins.load_promotion(s, world.promotion_id)
        s.expunge(promotion)
        return promotion


def test_participation_heatmap_and_distribution_respect_publication(world):
    file(world, paris(2026, 11, 18, 10, 0), mood=4)
    file(world, paris(2026, 11, 18, 10, 0), actor=world.beta_eig, defi_id=world.beta_id, mood=1)
    file(world, paris(2026, 11, 11, 10, 0), mood=2)
    rates = bulletins.participation(world.coach, world.promotion_id, BEFORE).set_index("week")
    # W47 is in progress until its deadline: counted so far, but no rate yet.
    assert rates.loc["S47 (16-22 nov.)", "filed"] == 2 and math.isnan(rates.loc["S47 (16-22 nov.)", "rate"])
    assert list(rates.index[rates["in_progress"]]) == ["S47 (16-22 nov.)"]
    assert rates.loc["S46 (9-15 nov.)", "rate"] == 0.5
    closed = bulletins.participation(world.coach, world.promotion_id, AT).set_index("week")
    assert closed.loc["S47 (16-22 nov.)", "rate"] == 1.0 and not closed["in_progress"].any()
    assert rates.loc["S45 (2-8 nov.)", "filed"] == 0
    # Beta's EIG, before the deadline: their own W47 bulletin and Alpha's published W46 only.
    heat = bulletins.promotion_heatmap(world.beta_eig, world.promotion_id, BEFORE)
    assert heat.sort_values("week_start")["week"].iloc[-1] == "S46 (9-15 nov.)"
    cells = heat.dropna(subset=["mood"])
    assert set(zip(cells["defi"], cells["week"], strict=True)) == {("Alpha", "S46 (9-15 nov.)")}
    coach_heat = bulletins.promotion_heatmap(world.coach, world.promotion_id, BEFORE).dropna(subset=["mood"])
    assert len(coach_heat) == 3
    dist = bulletins.mood_by_phase(world.coach, world.promotion_id, BEFORE)
    # Mid-November is in phase 3 (6 Sept - 6 Dec) for both défis.
    assert dict(zip(dist["mood"], dist["count"], strict=True)) == {1: 1, 2: 1, 4: 1}
    assert set(dist["number"]) == {3}
    beta_dist = bulletins.mood_by_phase(world.beta_eig, world.promotion_id, BEFORE)
    assert dict(zip(beta_dist["mood"], beta_dist["count"], strict=True)) == {1: 1, 2: 1}
    with pytest.raises(PermissionDenied):
        bulletins.participation(world.gamma_eig, world.promotion_id, BEFORE)


def test_csv_export_cells_never_start_a_formula(world):
    file(world, paris(2026, 11, 11, 10, 0), priority='=HYPERLINK("http://x.test","clic")',
         ups_downs="+cmd|' /C calc'!A0", help_request="@SUM(1)", key_date=dt.date(2026, 12, 1),
         key_date_description="-2+3")
    data = bulletins.export_csv(world.eig, world.alpha_id, BEFORE).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["Priorité"] == "'=HYPERLINK(\"http://x.test\",\"clic\")"
    assert (cells["Hauts et bas"], cells["Demande d'aide"]) == ("'+cmd|' /C calc'!A0", "'@SUM(1)")
    assert (cells["Description de la date clé"], cells["Humeur (1-4)"]) == ("'-2+3", "3")


def test_csv_export_holds_the_readable_bulletins_with_separators_quoted(world):
    file(world, paris(2026, 11, 11, 10, 0), priority="Données ; accès, enfin", help_request="Un contact DPO")
    file(world, paris(2026, 11, 18, 10, 0), mood=4)
    data = bulletins.export_csv(world.eig, world.alpha_id, BEFORE).decode("utf-8-sig").splitlines()
    assert data[0].startswith("Semaine;Lundi;Humeur (1-4);Priorité")
    assert data[1].startswith('S46 (9-15 nov.);09/11/2026;3;"Données ; accès, enfin"')
    assert "ouverte" in data[1]
    assert len(data) == 3
    theirs = bulletins.export_csv(world.beta_eig, world.alpha_id, BEFORE).decode("utf-8-sig").splitlines()
    assert len(theirs) == 2  # W47 is not published yet


def test_a_key_date_is_typed_in_french_and_a_wrong_one_is_refused_in_french():
    """The bulletin's key date is a text field « jj/mm/aaaa » (Streamlit's empty date field says
    « dd/mm/yyyy »): typed, empty, or not a date."""
    assert form(key_date="03/12/2026", key_date_description="Démo au cabinet").key_date == dt.date(2026, 12, 3)
    assert form(key_date=" ", key_date_description="").key_date is None
    for wrong in ("2026-12-03", "31/02/2026", "demain"):
        with pytest.raises(ValidationError, match=said("validation.typed_date")):
            form(key_date=wrong, key_date_description="Démo au cabinet")
